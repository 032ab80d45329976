// tlogconsistency checks, with Go's reference code (golang.org/x/mod/sumdb/note and tlog), that
// a sequence of checkpoints seen from a Hoshi log over time is append-only: every checkpoint's
// note signature verifies with the log key, and each one is consistent with the next one seen
// and with the final one. The proofs are computed by Go from the exported tiles, which Go
// authenticates against the newer checkpoint's root before using them, and checked with
// tlog.CheckTree against the older checkpoint's root.
//
// usage: tlogconsistency DIR CHECKPOINTS.json [LOG_PRIVATE_KEY]
//
//	DIR holds an export (key, checkpoint, tile/...), as written by `hoshi registry export-tiles`
//	after the checkpoints were seen; CHECKPOINTS.json is a JSON array of checkpoint notes, in
//	the order they were seen. With the log's private key (the data folder's keys/log.key), the
//	check is also shown to have teeth: forks signed with the real key are refused.
//
// Prints one line per check and "tlog-consistency: N passed, M failed"; exits 1 on any failure.
package main

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

var passed, failed int

func check(ok bool, what string, args ...any) {
	msg := fmt.Sprintf(what, args...)
	if ok {
		passed++
		fmt.Println("ok  ", msg)
	} else {
		failed++
		fmt.Println("FAIL", msg)
	}
}

// prefixTiles serves any tile of a smaller tree from the export of a larger one: a hash tile of
// width W is the first W hashes of the same tile at any greater width (the log is append-only,
// which is what is being checked: Go authenticates what is read against the tree's root).
type prefixTiles struct{ dir string }

func (d prefixTiles) Height() int { return 8 }

func (d prefixTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		b, err := d.read(t)
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

func (d prefixTiles) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

// read finds the full tile, or the widest partial one, at t's level and index.
func (d prefixTiles) read(t tlog.Tile) ([]byte, error) {
	if t.L < 0 {
		return nil, errors.New("entry tiles are not needed for proofs")
	}
	full := t
	full.W = 1 << uint(t.H)
	// Go's "tile/8/L/NNN" is C2SP's "tile/L/NNN".
	rel := strings.SplitN(full.Path(), "/", 3)[2]
	path := filepath.Join(d.dir, "tile", rel)
	b, err := os.ReadFile(path)
	if err != nil {
		parts, _ := filepath.Glob(path + ".p/*")
		best := -1
		for _, p := range parts {
			if w, err := strconv.Atoi(filepath.Base(p)); err == nil && w > best {
				best = w
				b, err = os.ReadFile(p)
				if err != nil {
					return nil, err
				}
			}
		}
		if best < 0 {
			return nil, fmt.Errorf("no tile %s in the export", rel)
		}
	}
	if len(b) < t.W*tlog.HashSize {
		return nil, fmt.Errorf("tile %s holds %d hashes, %d needed", rel, len(b)/tlog.HashSize, t.W)
	}
	return b[:t.W*tlog.HashSize], nil
}

type checkpoint struct {
	origin string
	tree   tlog.Tree
}

func open(text string, v note.Verifier) (checkpoint, error) {
	n, err := note.Open([]byte(text), note.VerifierList(v))
	if err != nil {
		return checkpoint{}, err
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 {
		return checkpoint{}, errors.New("a checkpoint has an origin, a size and a root")
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 {
		return checkpoint{}, fmt.Errorf("bad size %q", lines[1])
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != tlog.HashSize {
		return checkpoint{}, fmt.Errorf("bad root %q", lines[2])
	}
	var h tlog.Hash
	copy(h[:], root)
	return checkpoint{origin: lines[0], tree: tlog.Tree{N: size, Hash: h}}, nil
}

// consistent proves with Go's code that old is a prefix of new: the proof is built from tiles
// authenticated against new's root and checked against both roots.
func consistent(old, new tlog.Tree, tiles prefixTiles) error {
	if old.N > new.N {
		return fmt.Errorf("the log shrank from %d to %d", old.N, new.N)
	}
	if old.N == new.N {
		if old.Hash != new.Hash {
			return fmt.Errorf("two roots for size %d", old.N)
		}
		return nil
	}
	if old.N == 0 {
		return nil
	}
	r := tlog.TileHashReader(new, tiles)
	proof, err := tlog.ProveTree(new.N, old.N, r)
	if err != nil {
		return fmt.Errorf("no proof from the tiles: %v", err)
	}
	return tlog.CheckTree(proof, new.N, new.Hash, old.N, old.Hash)
}

func main() {
	if len(os.Args) != 3 && len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: tlogconsistency DIR CHECKPOINTS.json [LOG_PRIVATE_KEY]")
		os.Exit(2)
	}
	dir := os.Args[1]
	key, _ := os.ReadFile(filepath.Join(dir, "key"))
	verifier, err := note.NewVerifier(strings.TrimSpace(string(key)))
	check(err == nil, "log key parses as a note verifier key (%v)", err)
	if err != nil {
		os.Exit(1)
	}
	finalText, _ := os.ReadFile(filepath.Join(dir, "checkpoint"))
	final, err := open(string(finalText), verifier)
	check(err == nil, "the final checkpoint's signature verifies with Go's note package (%v)", err)
	if err != nil {
		os.Exit(1)
	}
	tiles := prefixTiles{dir}
	_, err = tlog.TreeHash(final.tree.N, tlog.TileHashReader(final.tree, tiles))
	check(err == nil, "the exported tiles authenticate against the final checkpoint (size %d) (%v)", final.tree.N, err)

	raw, err := os.ReadFile(os.Args[2])
	var texts []string
	if err == nil {
		err = json.Unmarshal(raw, &texts)
	}
	check(err == nil && len(texts) > 0, "%d checkpoints seen were saved (%v)", len(texts), err)

	var seen []checkpoint
	bad := 0
	for i, t := range texts {
		c, err := open(t, verifier)
		if err == nil && c.origin != final.origin {
			err = fmt.Errorf("origin %q, not %q", c.origin, final.origin)
		}
		if err != nil {
			bad++
			fmt.Printf("FAIL checkpoint %d seen: %v\n", i, err)
			continue
		}
		seen = append(seen, c)
	}
	check(bad == 0, "every checkpoint seen has a valid note signature from the log key (%d of %d bad)", bad, len(texts))

	bad = 0
	for i := 1; i < len(seen); i++ {
		if err := consistent(seen[i-1].tree, seen[i].tree, tiles); err != nil {
			bad++
			fmt.Printf("FAIL checkpoint %d (size %d) → next (size %d): %v\n", i-1, seen[i-1].tree.N, seen[i].tree.N, err)
		}
	}
	check(bad == 0, "each checkpoint seen is consistent with the next one (%d pairs, tlog.ProveTree/CheckTree; %d inconsistent)", max(len(seen)-1, 0), bad)

	bad = 0
	for i, c := range seen {
		if err := consistent(c.tree, final.tree, tiles); err != nil {
			bad++
			fmt.Printf("FAIL checkpoint %d (size %d) → final (size %d): %v\n", i, c.tree.N, final.tree.N, err)
		}
	}
	check(bad == 0, "each checkpoint seen is consistent with the final one, size %d (%d checkpoints; %d inconsistent)", final.tree.N, len(seen), bad)

	if len(os.Args) == 4 {
		forks(os.Args[3], final, seen, verifier, tiles)
	}

	sizes := map[int64]bool{}
	for _, c := range seen {
		sizes[c.tree.N] = true
	}
	fmt.Printf("checkpoints: %d seen, %d distinct sizes, final size %d\n", len(seen), len(sizes), final.tree.N)
	fmt.Printf("tlog-consistency: %d passed, %d failed\n", passed, failed)
	if failed > 0 {
		os.Exit(1)
	}
}

// forks signs checkpoints that fork the log with its real private key and checks that the
// consistency check refuses each: another root at the final size, another root at a size seen
// earlier, a size past the final one, and a log that shrinks.
func forks(keyFile string, final checkpoint, seen []checkpoint, v note.Verifier, tiles prefixTiles) {
	raw, err := os.ReadFile(keyFile)
	var signer note.Signer
	if err == nil {
		signer, err = note.NewSigner(strings.TrimSpace(strings.Split(string(raw), "\n")[0]))
	}
	check(err == nil, "the log's private key parses as a note signer key (%v)", err)
	if err != nil {
		return
	}
	sign := func(n int64, h tlog.Hash) tlog.Tree {
		text := fmt.Sprintf("%s\n%d\n%s\n", final.origin, n, base64.StdEncoding.EncodeToString(h[:]))
		signed, err := note.Sign(&note.Note{Text: text}, signer)
		if err != nil {
			return tlog.Tree{}
		}
		c, err := open(string(signed), v)
		if err != nil {
			return tlog.Tree{}
		}
		return c.tree
	}
	other := final.tree.Hash
	other[0] ^= 1
	earlier := final.tree
	if len(seen) > 0 {
		earlier = seen[len(seen)/2].tree
	}
	otherEarlier := earlier.Hash
	otherEarlier[31] ^= 1
	cases := []struct {
		what     string
		old, new tlog.Tree
	}{
		{"another root at the final size", sign(final.tree.N, other), final.tree},
		{fmt.Sprintf("another root at size %d, seen earlier", earlier.N), sign(earlier.N, otherEarlier), final.tree},
		{"a size past the final one", final.tree, sign(final.tree.N+1, other)},
	}
	if earlier.N < final.tree.N {
		cases = append(cases, struct {
			what     string
			old, new tlog.Tree
		}{"a log that shrinks", final.tree, earlier})
	}
	refused := 0
	for _, c := range cases {
		if err := consistent(c.old, c.new, tiles); err != nil {
			refused++
		} else {
			fmt.Printf("FAIL a fork was accepted: %s\n", c.what)
		}
	}
	check(refused == len(cases), "forks signed with the log's real key are refused (%d of %d)", refused, len(cases))
}

func max(a, b int) int {
	if a > b {
		return a
	}
	return b
}
