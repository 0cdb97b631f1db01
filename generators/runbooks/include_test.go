package runbooks

import "testing"

func TestIncluded(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"no headings stay as they are", "Scale the worker.\n\n- one\n- two\n", "Scale the worker.\n\n- one\n- two\n"},
		{"deep headings stay as they are", "### Check\nrun it\n#### More\n", "### Check\nrun it\n#### More\n"},
		{"level 2 moves down one", "## Diagnosis\nCheck `x`.\n### Detail\n", "### Diagnosis\nCheck `x`.\n#### Detail\n"},
		{"level 1 moves down two, and the rest with it", "# A\n## B\n", "### A\n#### B\n"},
		{"no deeper than six", "## A\n###### F\n", "### A\n###### F\n"},
		{"closing hashes and indent are kept", "  ## A ##\n", "  ### A ##\n"},
		{"a hash without a space is text", "#hashtag\n## A\n", "#hashtag\n### A\n"},
		{"hashes in a fence are code", "## A\n```sh\n# comment\n```\n", "### A\n```sh\n# comment\n```\n"},
		{"tilde fences too", "~~~~\n## not\n~~~\n~~~~\n## A\n", "~~~~\n## not\n~~~\n~~~~\n### A\n"},
		{"setext headings become ATX", "Title\n=====\nStep\n---\n", "### Title\n#### Step\n"},
		{"a setext heading of two lines", "one\ntwo\n---\n", "### one two\n"},
		{"a rule after a blank line is a rule", "## A\n\n---\n", "### A\n\n---\n"},
		{"a rule after a list item is a rule", "## A\n- item\n---\n", "### A\n- item\n---\n"},
		{"a setext heading alone is level 2", "Step\n---\n", "### Step\n"},
		{"an open fence is closed", "```\n## code", "```\n## code\n```\n"},
		{"a fence closes only with as many", "````\n```\n## code\n````\n## A\n", "````\n```\n## code\n````\n### A\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := included(tt.in); got != tt.want {
				t.Errorf("included(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
