// tlogcheck verifies a Hoshi log export with Go's reference code (golang.org/x/mod/sumdb/note
// and tlog): the checkpoint's signature, the tree root recomputed from the tiles, every entry
// bundle against the level-0 tiles, and the inclusion and consistency proofs in proofs.json.
//
// usage: tlogcheck DIR    (DIR holds key, checkpoint, tile/..., proofs.json)
// Prints one line per check and "go-tlog: N passed, M failed"; exits 1 on any failure.
package main

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
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

type dirTiles struct{ dir string }

// c2spPath turns Go's "tile/8/L/NNN[.p/W]" into C2SP's "tile/L/NNN[.p/W]".
func c2spPath(t tlog.Tile) string {
	parts := strings.SplitN(t.Path(), "/", 4) // tile, H, L or "data", N[.p/W]
	if parts[2] == "data" {
		return "tile/entries/" + parts[3]
	}
	return "tile/" + parts[2] + "/" + parts[3]
}

func (d dirTiles) Height() int { return 8 }
func (d dirTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		b, err := os.ReadFile(filepath.Join(d.dir, c2spPath(t)))
		if err != nil {
			// A full tile may have been requested where only a partial one exists yet; Go asks
			// for exactly the widths the tree size implies, so a miss is an error.
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}
func (d dirTiles) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

type proofs struct {
	Inclusion []struct {
		Index int64    `json:"index"`
		Entry string   `json:"entry"`
		Proof []string `json:"proof"`
	} `json:"inclusion"`
	Consistency []struct {
		Old     int64    `json:"old"`
		OldRoot string   `json:"old_root"`
		Proof   []string `json:"proof"`
	} `json:"consistency"`
}

func hashes(in []string) ([]tlog.Hash, error) {
	var out []tlog.Hash
	for _, s := range in {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(b) != 32 {
			return nil, fmt.Errorf("bad hash %q", s)
		}
		var h tlog.Hash
		copy(h[:], b)
		out = append(out, h)
	}
	return out, nil
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: tlogcheck DIR")
		os.Exit(2)
	}
	dir := os.Args[1]
	key, _ := os.ReadFile(filepath.Join(dir, "key"))
	cpText, _ := os.ReadFile(filepath.Join(dir, "checkpoint"))
	verifier, err := note.NewVerifier(strings.TrimSpace(string(key)))
	check(err == nil, "log key parses as a note verifier key (%v)", err)
	if err != nil {
		os.Exit(1)
	}
	n, err := note.Open(cpText, note.VerifierList(verifier))
	check(err == nil, "checkpoint signature verifies with Go's note package (%v)", err)
	if err != nil {
		os.Exit(1)
	}
	lines := strings.Split(n.Text, "\n")
	size, _ := strconv.ParseInt(lines[1], 10, 64)
	rootBytes, _ := base64.StdEncoding.DecodeString(lines[2])
	var root tlog.Hash
	copy(root[:], rootBytes)
	check(len(rootBytes) == 32 && size > 0, "checkpoint names origin %q, size %d", lines[0], size)

	tr := tlog.TileHashReader(tlog.Tree{N: size, Hash: root}, dirTiles{dir})
	th, err := tlog.TreeHash(size, tr)
	check(err == nil && th == root, "tree root recomputed from the tiles equals the checkpoint (%v)", err)

	// Entry bundles: every entry's record hash equals the level-0 tile hash at its index.
	bad := 0
	for start := int64(0); start < size; start += 256 {
		w := size - start
		if w > 256 {
			w = 256
		}
		t := tlog.Tile{H: 8, L: -1, N: start / 256, W: int(w)}
		data, err := os.ReadFile(filepath.Join(dir, c2spPath(t)))
		if err != nil {
			bad++
			continue
		}
		for i := int64(0); i < w; i++ {
			l := binary.BigEndian.Uint16(data)
			entry := data[2 : 2+l]
			data = data[2+l:]
			hs, err := tr.ReadHashes([]int64{tlog.StoredHashIndex(0, start+i)})
			if err != nil || hs[0] != tlog.RecordHash(entry) {
				bad++
			}
		}
	}
	check(bad == 0, "every entry in the entry bundles matches its leaf hash (%d mismatches)", bad)

	var p proofs
	// proofs.json is optional: a static export has only the checkpoint, key and tiles.
	if raw, err := os.ReadFile(filepath.Join(dir, "proofs.json")); err == nil {
		if err := json.Unmarshal(raw, &p); err != nil {
			check(false, "proofs.json parses (%v)", err)
		}
	}
	for _, inc := range p.Inclusion {
		entry, _ := base64.StdEncoding.DecodeString(inc.Entry)
		proof, err := hashes(inc.Proof)
		if err == nil {
			err = tlog.CheckRecord(proof, size, root, inc.Index, tlog.RecordHash(entry))
		}
		check(err == nil, "inclusion proof of entry %d checks with tlog.CheckRecord (%v)", inc.Index, err)
		goProof, err := tlog.ProveRecord(size, inc.Index, tr)
		same := err == nil && len(goProof) == len(proof)
		for i := range goProof {
			same = same && i < len(proof) && goProof[i] == proof[i]
		}
		check(same, "Go's own proof of entry %d from the tiles equals Hoshi's", inc.Index)
	}
	for _, c := range p.Consistency {
		proof, err := hashes(c.Proof)
		old, _ := hashes([]string{c.OldRoot})
		if err == nil && len(old) == 1 {
			err = tlog.CheckTree(proof, size, root, c.Old, old[0])
		}
		check(err == nil, "consistency proof from size %d checks with tlog.CheckTree (%v)", c.Old, err)
	}
	fmt.Printf("go-tlog: %d passed, %d failed\n", passed, failed)
	if failed > 0 {
		os.Exit(1)
	}
}
