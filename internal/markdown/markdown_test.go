package markdown

import "testing"

func TestEsc(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"kubectl -n api logs <pod> --previous", `kubectl -n api logs \<pod\> --previous`},
		{"specs/releases/<env>.yaml", `specs/releases/\<env\>.yaml`},
		{"db_pool_acquired_connections over _x_", `db_pool_acquired_connections over \_x\_`},
		{"fires when `a < b * 2` has held", "fires when `a < b * 2` has held"},
		{"a `` b ` c `` d", "a `` b ` c `` d"},
		{"a stray ` tick", "a stray \\` tick"},
		{"[x](y) *b*", `\[x\](y) \*b\*`},
		{"R&D &amp; co", `R&D \&amp; co`},
		{"two\nlines", "two lines"},
		{`back\slash`, `back\\slash`},
		{"café_crème", "café_crème"},
		{"a_\xff b", "a\\_\uFFFD b"},
	}
	for _, tt := range tests {
		if got := Esc(tt.in); got != tt.want {
			t.Errorf("Esc(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestLead(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"# not a heading", `\# not a heading`},
		{"1. not a list", `1\. not a list`},
		{"- not a list", `\- not a list`},
		{"api is down", "api is down"},
	}
	for _, tt := range tests {
		var d Doc
		d.Para(tt.in)
		if got := string(d.Bytes()); got != tt.want+"\n" {
			t.Errorf("Para(%q) wrote %q, want %q", tt.in, got, tt.want+"\n")
		}
	}
}

func TestCode(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"x", "`x`"},
		{"a`b", "``a`b``"},
		{"`a", "`` `a ``"},
	}
	for _, tt := range tests {
		if got := Code(tt.in); got != tt.want {
			t.Errorf("Code(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRel(t *testing.T) {
	for _, c := range []struct{ from, to, want string }{
		{"README.md", "docs/a.md", "docs/a.md"},
		{"docs/a.md", "docs/b.md", "b.md"},
		{"docs/data-retention/api.md", "docs/data-retention.md", "../data-retention.md"},
		{"runbooks/api/BackupTooOld.md", "docs/restore-drill.md", "../../docs/restore-drill.md"},
		{"docs/a.md", "specs/services/api.yaml", "../specs/services/api.yaml"},
		{"runbooks/api/README.md", "runbooks/api/TargetDown.md", "TargetDown.md"},
	} {
		if got := Rel(c.from, c.to); got != c.want {
			t.Errorf("Rel(%q, %q) = %q, want %q", c.from, c.to, got, c.want)
		}
	}
}
