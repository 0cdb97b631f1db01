package spec

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"sync"
	"unsafe"

	"gopkg.in/yaml.v3"
)

// ParseCache keeps the YAML node trees of spec files from one run to the
// next, by the SHA-256 of each file's bytes. yaml.v3 takes about a quarter
// of a millisecond to parse a service spec: at a thousand services, a
// third of a second of every run, though one spec changed. A tree read
// back from the cache is the one yaml.v3 made of those very bytes, every
// field of every node (positions, tags, styles, anchors, comments), and
// decoding goes on from it as from a fresh parse: the model, the positions
// and the diagnostics are the same.
//
// Only a file that parsed as exactly one document with no diagnostic is
// kept. The caller stores the cache where it stores its own state, outside
// the tree, and keys it (DecodeParseCache) by what could make yaml.v3 parse
// differently: the binary. A cache whose bytes are not exactly what Encode
// wrote with that key is empty.
type ParseCache struct {
	mu   sync.Mutex
	have map[[sha256.Size]byte]string // trees from the last run, encoded
	used map[[sha256.Size]byte]string // trees of this run's files, encoded
	// missed counts the files this run parsed: the cache needs writing
	// again when it is not zero, or when a tree it had went unused.
	missed int
}

// parseCacheMagic starts an encoded cache; the number changes with its format.
const parseCacheMagic = "groundwork spec parse cache 1\n"

// DecodeParseCache reads what Encode wrote with the same key. Anything
// else (no data, another key, a cache cut short or edited) gives an empty
// cache, never an error: the run parses instead.
func DecodeParseCache(data []byte, key string) *ParseCache {
	c := &ParseCache{have: map[[sha256.Size]byte]string{}, used: map[[sha256.Size]byte]string{}}
	head := parseCacheMagic + key + "\n"
	if len(data) < len(head)+sha256.Size || !bytes.HasPrefix(data, []byte(head)) {
		return c
	}
	body, sum := data[:len(data)-sha256.Size], data[len(data)-sha256.Size:]
	if s := sha256.Sum256(body); !bytes.Equal(s[:], sum) {
		return c
	}
	// One string for all trees: each node's strings are slices of it.
	body = body[len(head):]
	all := string(body)
	have := map[[sha256.Size]byte]string{}
	for at := 0; at < len(body); {
		if len(body)-at < sha256.Size {
			return c
		}
		k := [sha256.Size]byte(body[at : at+sha256.Size])
		at += sha256.Size
		n, w := binary.Uvarint(body[at:])
		if w <= 0 || n > uint64(len(body)-at-w) {
			return c
		}
		at += w
		have[k] = all[at : at+int(n)]
		at += int(n)
	}
	c.have = have
	return c
}

// Encode gives the trees of the files this run loaded, under key.
func (c *ParseCache) Encode(key string) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := []byte(parseCacheMagic + key + "\n")
	for k, tree := range c.used {
		b = append(b, k[:]...)
		b = binary.AppendUvarint(b, uint64(len(tree)))
		b = append(b, tree...)
	}
	sum := sha256.Sum256(b)
	return append(b, sum[:]...)
}

// Changed reports whether the cache holds other trees than it was read
// with: a file was parsed, or one it had is no longer loaded.
func (c *ParseCache) Changed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.missed > 0 || len(c.used) != len(c.have)
}

// Stale reports whether the cache is worth writing again: an eighth of
// this run's trees or more were parsed, or an eighth of the trees it was
// read with went unused. Below that, the next run parses the few files
// that changed (a quarter of a millisecond each) rather than this run
// writing every tree again (2.5 MB at a thousand services, for one spec
// edited).
func (c *ParseCache) Stale() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	unused := len(c.have) - (len(c.used) - c.missed)
	return c.missed*8 >= max(len(c.used), 1) || unused*8 > len(c.have)
}

// parse returns the node of the one document in data, whose SHA-256 is k,
// from the cache when it holds data's tree, else parsed by d (see
// parseYAML) and kept.
func (c *ParseCache) parse(d *decoder, data []byte, k [sha256.Size]byte) *yaml.Node {
	if c == nil {
		return d.parseYAML(data)
	}
	c.mu.Lock()
	enc, ok := c.have[k]
	if ok {
		c.used[k] = enc
	}
	c.mu.Unlock()
	if ok {
		if n := decodeNodes(enc); n != nil {
			return n
		}
	}
	n := d.parseYAML(data)
	if n == nil || len(d.diags) > 0 {
		return n
	}
	if enc, ok := encodeNodes(n); ok {
		c.mu.Lock()
		c.used[k] = enc
		c.missed++
		c.mu.Unlock()
	}
	return n
}

// encodeNodes writes the tree under root in preorder: per node its kind,
// style, line, column, the preorder number of the node it aliases (plus
// one; 0 for none), its number of children, then its tag, value, anchor
// and three comments. ok is false for an alias to a node outside the tree,
// which yaml.v3 does not make.
func encodeNodes(root *yaml.Node) (string, bool) {
	index := map[*yaml.Node]uint64{}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		index[n] = uint64(len(index))
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(root)
	b := binary.AppendUvarint(nil, uint64(len(index)))
	ok := true
	var put func(n *yaml.Node)
	put = func(n *yaml.Node) {
		alias := uint64(0)
		if n.Alias != nil {
			i, found := index[n.Alias]
			ok = ok && found
			alias = i + 1
		}
		for _, v := range [...]uint64{uint64(n.Kind), uint64(n.Style), uint64(n.Line), uint64(n.Column), alias, uint64(len(n.Content))} {
			b = binary.AppendUvarint(b, v)
		}
		for _, s := range [...]string{n.Tag, n.Value, n.Anchor, n.HeadComment, n.LineComment, n.FootComment} {
			b = binary.AppendUvarint(b, uint64(len(s)))
			b = append(b, s...)
		}
		for _, c := range n.Content {
			put(c)
		}
	}
	put(root)
	return string(b), ok
}

// decodeNodes reads what encodeNodes wrote; nil if it cannot.
func decodeNodes(enc string) *yaml.Node {
	r := nodeReader{s: enc, b: unsafe.Slice(unsafe.StringData(enc), len(enc))}
	count := r.uint()
	if r.bad || count == 0 || count > uint64(len(enc)) {
		return nil
	}
	nodes := make([]yaml.Node, count)
	// Every node but the root is one node's child: the pointers of all
	// Content slices in one array, a node's slots taken when it is read.
	slots := make([]*yaml.Node, count-1)
	type alias struct{ node, target uint64 }
	var aliases []alias
	next := uint64(0)
	var read func() *yaml.Node
	read = func() *yaml.Node {
		if next >= count {
			r.bad = true
			return nil
		}
		i := next
		next++
		n := &nodes[i]
		n.Kind, n.Style = yaml.Kind(r.uint()), yaml.Style(r.uint())
		n.Line, n.Column = int(r.uint()), int(r.uint())
		if a := r.uint(); a != 0 {
			aliases = append(aliases, alias{i, a - 1})
		}
		kids := r.uint()
		n.Tag, n.Value, n.Anchor = r.str(), r.str(), r.str()
		n.HeadComment, n.LineComment, n.FootComment = r.str(), r.str(), r.str()
		if r.bad || kids > uint64(len(slots)) {
			r.bad = true
			return nil
		}
		if kids > 0 {
			n.Content, slots = slots[:kids:kids], slots[kids:]
			for k := range n.Content {
				if n.Content[k] = read(); n.Content[k] == nil {
					return nil
				}
			}
		}
		return n
	}
	root := read()
	if root == nil || r.bad || next != count || len(r.s) != 0 {
		return nil
	}
	for _, a := range aliases {
		if a.target >= count {
			return nil
		}
		nodes[a.node].Alias = &nodes[a.target]
	}
	return root
}

// nodeReader reads the uvarints and strings of an encoded tree.
type nodeReader struct {
	s   string
	b   []byte // s's bytes, for binary.Uvarint; never written
	bad bool
}

func (r *nodeReader) uint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.bad = true
		return 0
	}
	r.s, r.b = r.s[n:], r.b[n:]
	return v
}

func (r *nodeReader) str() string {
	n := r.uint()
	if r.bad || n > uint64(len(r.s)) {
		r.bad = true
		return ""
	}
	s := r.s[:n]
	r.s, r.b = r.s[n:], r.b[n:]
	return s
}
