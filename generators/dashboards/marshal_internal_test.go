package dashboards

import (
	"encoding/json"
	"testing"
)

// unescapeHTML undoes exactly the escapes of <, > and &, and leaves a
// string that holds a backslash before u003e as it was.
func TestUnescapeHTML(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`"a \u003e 0 \u0026\u0026 b \u003c 1"`, `"a > 0 && b < 1"`},
		{`"\\u003e"`, `"\\u003e"`},
		{`"\\\u003e"`, `"\\>"`},
		{`"\"\u003e"`, `"\">"`},
		{`"\u00e9"`, `"\u00e9"`},
	} {
		got := string(unescapeHTML([]byte(c.in)))
		if got != c.want {
			t.Errorf("unescapeHTML(%s) = %s, want %s", c.in, got, c.want)
		}
		var before, after string
		if err := json.Unmarshal([]byte(c.in), &before); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(got), &after); err != nil {
			t.Errorf("unescapeHTML(%s) = %s, which is not JSON: %v", c.in, got, err)
		}
		if before != after {
			t.Errorf("unescapeHTML(%s) changed the string from %q to %q", c.in, before, after)
		}
	}
}
