package erasure

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
)

// blockKs are the block sizes of the 2D property tests: every k natively,
// up to 8 under wasm.
func blockKs() []int {
	if heavy {
		return allK
	}
	return []int{1, 2, 4, 8}
}

// testBlocks caches one extended block per k (ExtendBlock is tested
// separately; recovery tests only need some codeword). Tests must not modify
// the cached blocks.
var testBlocks = struct {
	sync.Mutex
	m map[int]*Block
}{m: map[int]*Block{}}

func testBlock(t testing.TB, k int) *Block {
	t.Helper()
	testBlocks.Lock()
	defer testBlocks.Unlock()
	if b, ok := testBlocks.m[k]; ok {
		return b
	}
	b, err := testCodec().ExtendBlock(randBlobs(newRand(uint64(100+k)), k))
	if err != nil {
		t.Fatal(err)
	}
	testBlocks.m[k] = b
	return b
}

// partialFrom copies the cells of b for which present is true.
func partialFrom(t testing.TB, b *Block, present func(r, c int) bool) *PartialBlock {
	t.Helper()
	p, err := NewPartialBlock(b.K)
	if err != nil {
		t.Fatal(err)
	}
	for r := range 2 * b.K {
		for c := range CellsPerRow {
			if present(r, c) {
				p.Cells[r][c] = append([]fr.Element(nil), b.Cell(r, c)...)
			}
		}
	}
	return p
}

func clonePartial(p *PartialBlock) *PartialBlock {
	q := &PartialBlock{K: p.K, Cells: make([][][]fr.Element, len(p.Cells))}
	for r, row := range p.Cells {
		q.Cells[r] = make([][]fr.Element, len(row))
		for c, cell := range row {
			if cell != nil {
				q.Cells[r][c] = append([]fr.Element(nil), cell...)
			}
		}
	}
	return q
}

func equalBlocks(a, b *Block) bool {
	if a.K != b.K || len(a.Rows) != len(b.Rows) {
		return false
	}
	for r := range a.Rows {
		if !slices.Equal(a.Rows[r], b.Rows[r]) {
			return false
		}
	}
	return true
}

// withheld returns a presence function that withholds exactly the cells in
// rows x cols.
func withheld(rows, cols []int) func(r, c int) bool {
	return func(r, c int) bool { return !(slices.Contains(rows, r) && slices.Contains(cols, c)) }
}

func randDistinct(r *rand.Rand, n, of int) []int {
	s := r.Perm(of)[:n]
	slices.Sort(s)
	return s
}

func TestExtendBlock(t *testing.T) {
	c := testCodec()
	for _, k := range blockKs() {
		t.Run(fmt.Sprintf("k=%d", k), func(t *testing.T) {
			blobs := randBlobs(newRand(uint64(k)), k)
			orig := make([][]fr.Element, k)
			for i := range blobs {
				orig[i] = append([]fr.Element(nil), blobs[i]...)
			}
			b, err := c.ExtendBlock(blobs)
			if err != nil {
				t.Fatal(err)
			}
			if b.K != k || len(b.Rows) != 2*k {
				t.Fatalf("block K=%d with %d rows", b.K, len(b.Rows))
			}
			for i := range blobs {
				if !equalElements(blobs[i], orig[i]) {
					t.Fatalf("blob %d modified", i)
				}
			}
			rows := make([][]fr.Element, k)
			for i := range rows {
				rows[i], _ = c.ExtendRow(blobs[i])
			}
			for r := range 2 * k {
				w, err := LagrangeWeights(k, r)
				if err != nil {
					t.Fatal(err)
				}
				// Check a sample of positions in every cell (all positions natively for small k).
				step := 1
				if !heavy || k > 4 {
					step = 7
				}
				for j := r % step; j < ElementsPerRow; j += step {
					var want, tmp fr.Element
					for i := range k {
						tmp.Mul(&w[i], &rows[i][j])
						want.Add(&want, &tmp)
					}
					if !b.Rows[r][j].Equal(&want) {
						t.Fatalf("row %d element %d != sum_i L_i(y_r) * row_i", r, j)
					}
				}
				if got := b.Cell(r, 5); len(got) != ElementsPerCell || &got[0] != &b.Rows[r][5*ElementsPerCell] {
					t.Fatalf("Cell(%d, 5) is not the sub-slice of the row", r)
				}
			}
		})
	}
}

func TestExtendBlockErrors(t *testing.T) {
	c := testCodec()
	r := newRand(30)
	short := randBlobs(r, 2)
	short[1] = short[1][:100]
	tests := []struct {
		name  string
		blobs [][]fr.Element
		want  error
	}{
		{"no blobs", nil, ErrRowCount},
		{"3 blobs", randBlobs(r, 3), ErrRowCount},
		{"short blob", short, ErrLength},
	}
	for _, tt := range tests {
		if _, err := c.ExtendBlock(tt.blobs); !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
}

// TestRecoverBlockRandom: for random patterns at various erasure rates,
// Decodable == nil iff RecoverBlock succeeds, success reproduces the block
// exactly, failure is the same *UndecodableError, and p is never modified.
func TestRecoverBlockRandom(t *testing.T) {
	c := testCodec()
	rates := []float64{0.1, 0.4, 0.5, 0.6, 0.7, 0.75, 0.85}
	decoded, failed := 0, 0
	for _, k := range blockKs() {
		b := testBlock(t, k)
		r := newRand(uint64(200 + k))
		n := iters(3, 3)
		if k >= 16 {
			n = 1
		}
		for _, rate := range rates {
			for range n {
				gone := make([][]bool, 2*k)
				for row := range gone {
					gone[row] = make([]bool, CellsPerRow)
					for col := range gone[row] {
						gone[row][col] = r.Float64() < rate
					}
				}
				present := func(row, col int) bool { return !gone[row][col] }
				p := partialFrom(t, b, present)
				before := clonePartial(p)
				derr := Decodable(k, present)
				got, err := c.RecoverBlock(p)
				if !reflect.DeepEqual(p, before) {
					t.Fatalf("k=%d rate=%v: RecoverBlock modified its input", k, rate)
				}
				if (derr == nil) != (err == nil) {
					t.Fatalf("k=%d rate=%v: Decodable = %v but RecoverBlock = %v", k, rate, derr, err)
				}
				if err == nil {
					decoded++
					if !equalBlocks(got, b) {
						t.Fatalf("k=%d rate=%v: recovered block differs", k, rate)
					}
					continue
				}
				failed++
				var ue *UndecodableError
				if !errors.As(err, &ue) || !errors.Is(err, ErrUndecodable) {
					t.Fatalf("k=%d rate=%v: err %v is not an *UndecodableError", k, rate, err)
				}
				if !reflect.DeepEqual(err, derr) {
					t.Fatalf("k=%d rate=%v: RecoverBlock %v != Decodable %v", k, rate, err, derr)
				}
				checkStuck(t, ue, gone)
			}
		}
	}
	if decoded == 0 || failed == 0 {
		t.Fatalf("patterns not mixed: %d decoded, %d failed", decoded, failed)
	}
}

// checkStuck verifies an *UndecodableError against the peeling rule: every
// stuck row has < 64 known cells and every stuck column < k among the stuck
// grid, and Missing counts the withheld cells left there.
func checkStuck(t *testing.T, ue *UndecodableError, gone [][]bool) {
	t.Helper()
	k := ue.K
	if !slices.IsSorted(ue.Rows) || !slices.IsSorted(ue.Columns) || len(ue.Rows) == 0 || len(ue.Columns) == 0 {
		t.Fatalf("bad stuck sets: %v", ue)
	}
	missing := 0
	for _, row := range ue.Rows {
		for _, col := range ue.Columns {
			if gone[row][col] {
				missing++
			}
		}
	}
	if missing != ue.Missing {
		t.Fatalf("Missing = %d, but %d withheld cells lie in the stuck rows x columns", ue.Missing, missing)
	}
	// A stuck row misses > 64 cells, all in stuck columns: it knows < 64.
	for _, row := range ue.Rows {
		if known := CellsPerRow - countIn(ue.Columns, func(col int) bool { return gone[row][col] }); known >= cellsToRecover {
			t.Fatalf("stuck row %d has %d known cells", row, known)
		}
	}
	for _, col := range ue.Columns {
		if known := 2*k - countIn(ue.Rows, func(row int) bool { return gone[row][col] }); known >= k {
			t.Fatalf("stuck column %d has %d known cells", col, known)
		}
	}
}

func countIn(idx []int, f func(int) bool) int {
	n := 0
	for _, i := range idx {
		if f(i) {
			n++
		}
	}
	return n
}

// TestRecoverBlockThreshold: the minimal undecodable pattern (k+1 rows x 65
// columns withheld) is reported exactly; one row or one column less recovers.
func TestRecoverBlockThreshold(t *testing.T) {
	c := testCodec()
	for _, k := range blockKs() {
		b := testBlock(t, k)
		r := newRand(uint64(300 + k))
		tests := []struct {
			name       string
			rows, cols int
			decodable  bool
		}{
			{"k+1 rows x 65 columns", k + 1, 65, false},
			{"k+1 rows x 64 columns", k + 1, 64, true},
			{"k rows x 65 columns", k, 65, true},
			{"k rows x 128 columns", k, 128, true},
			{"k+1 rows x 128 columns", k + 1, 128, false},
			{"2k rows x 64 columns", 2 * k, 64, true},
			{"2k rows x 65 columns", 2 * k, 65, false},
		}
		for _, tt := range tests {
			t.Run(fmt.Sprintf("k=%d/%s", k, tt.name), func(t *testing.T) {
				rows, cols := randDistinct(r, tt.rows, 2*k), randDistinct(r, tt.cols, CellsPerRow)
				present := withheld(rows, cols)
				p := partialFrom(t, b, present)
				got, err := c.RecoverBlock(p)
				derr := Decodable(k, present)
				if tt.decodable {
					if err != nil || derr != nil {
						t.Fatalf("RecoverBlock: %v; Decodable: %v", err, derr)
					}
					if !equalBlocks(got, b) {
						t.Fatal("recovered block differs")
					}
					return
				}
				var ue *UndecodableError
				if !errors.As(err, &ue) {
					t.Fatalf("err = %v, want *UndecodableError", err)
				}
				want := &UndecodableError{K: k, Rows: rows, Columns: cols, Missing: tt.rows * tt.cols}
				if !reflect.DeepEqual(ue, want) {
					t.Fatalf("got %v, want %v", ue, want)
				}
				if !reflect.DeepEqual(derr, err) {
					t.Fatalf("Decodable %v != RecoverBlock %v", derr, err)
				}
				msg := err.Error()
				for _, part := range []string{
					fmt.Sprintf("%d rows x %d columns stuck", tt.rows, tt.cols),
					fmt.Sprintf("(%d cells missing)", tt.rows*tt.cols),
					fmt.Sprintf("a column %d of %d", k, 2*k),
				} {
					if !strings.Contains(msg, part) {
						t.Fatalf("message %q lacks %q", msg, part)
					}
				}
			})
		}
	}
}

// TestMinimalUndecodable: for every k, withholding (k+1) rows x 65 columns
// is reported undecodable with exactly those rows and columns, and it is
// minimal: giving back any one of its cells makes the block decodable (that
// row then holds 64 cells, and every column k once the row is complete).
// Natively every withheld cell is given back in turn; under wasm every 16th.
func TestMinimalUndecodable(t *testing.T) {
	for _, k := range allK {
		t.Run(fmt.Sprintf("k=%d", k), func(t *testing.T) {
			r := newRand(uint64(700 + k))
			rows, cols := randDistinct(r, k+1, 2*k), randDistinct(r, 65, CellsPerRow)
			gone := make([][CellsPerRow]bool, 2*k)
			for _, row := range rows {
				for _, col := range cols {
					gone[row][col] = true
				}
			}
			want := &UndecodableError{K: k, Rows: rows, Columns: cols, Missing: (k + 1) * 65}
			if err := Decodable(k, func(row, col int) bool { return !gone[row][col] }); !reflect.DeepEqual(err, want) {
				t.Fatalf("Decodable = %v, want %v", err, want)
			}
			step := 1
			if !heavy {
				step = 16
			}
			for i := 0; i < len(rows)*len(cols); i += step {
				row, col := rows[i/len(cols)], cols[i%len(cols)]
				back := func(rr, cc int) bool { return !gone[rr][cc] || (rr == row && cc == col) }
				if err := Decodable(k, back); err != nil {
					t.Fatalf("cell (%d, %d) given back: %v", row, col, err)
				}
			}
		})
	}
}

func TestUndecodableErrorMessage(t *testing.T) {
	e := &UndecodableError{K: 8, Rows: []int{0, 1, 2, 3, 4, 5, 6, 7, 9}, Columns: seq(0, 65, 1), Missing: 585}
	want := "erasure: block undecodable: 9 rows x 65 columns stuck (585 cells missing); " +
		"a row needs 64 of 128 cells, a column 8 of 16; rows 0-7,9; columns 0-64"
	if got := e.Error(); got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
	if !errors.Is(fmt.Errorf("ctx: %w", e), ErrUndecodable) {
		t.Fatal("wrapped *UndecodableError does not match ErrUndecodable")
	}
}

// TestRecoverBlockInconsistent: given cells that are not a codeword are
// rejected with ErrInconsistent, by each of the three checks (a row recovered
// from more than 64 cells, the column check, the row check), and p is left
// unchanged.
func TestRecoverBlockInconsistent(t *testing.T) {
	c := testCodec()
	var one fr.Element
	one.SetOne()
	// alter adds 1 to one element of a present cell chosen by pick.
	alter := func(p *PartialBlock, r *rand.Rand, pick func(row, col int) bool) {
		for {
			row, col := r.IntN(2*p.K), r.IntN(CellsPerRow)
			if p.Cells[row][col] != nil && pick(row, col) {
				e := &p.Cells[row][col][r.IntN(ElementsPerCell)]
				e.Add(e, &one)
				return
			}
		}
	}
	any := func(int, int) bool { return true }
	for _, k := range []int{1, 2, 4, 8} {
		b := testBlock(t, k)
		r := newRand(uint64(400 + k))
		gRows, gCols := randDistinct(r, k+1, 2*k), randDistinct(r, 60, CellsPerRow)
		tests := []struct {
			name    string
			present func(row, col int) bool
			mutate  func(p *PartialBlock)
			wantMsg string // which check must fire
		}{
			{"complete block, one cell altered", any,
				func(p *PartialBlock) { alter(p, r, any) }, "column's polynomial"},
			{"row recovered from 68 cells", withheld(gRows, gCols),
				// k+1 rows miss 60 cells: their columns hold k-1 < k cells, so
				// row recovery (from 68 cells) must run on at least one of
				// them first; each has one altered cell.
				func(p *PartialBlock) {
					for _, gr := range gRows {
						alter(p, r, func(row, _ int) bool { return row == gr })
					}
				}, "recovering row"},
			{"extension rows withheld, original altered", withheld(seq(k, 2*k, 1), seq(0, 128, 1)),
				// Columns recover rows k..2k-1 from exactly k cells each, so
				// only the row check can see the altered original row.
				func(p *PartialBlock) { alter(p, r, any) }, "row's polynomial"},
			{"column codeword added at one position", any,
				// Adding a constant to one position of every row keeps every
				// column a codeword but breaks every row.
				func(p *PartialBlock) {
					col, j := r.IntN(CellsPerRow), r.IntN(ElementsPerCell)
					for row := range p.Cells {
						e := &p.Cells[row][col][j]
						e.Add(e, &one)
					}
				}, "row's polynomial"},
			{"random 40% withheld", func(row, col int) bool { return (row*131+col*17)%5 >= 2 },
				func(p *PartialBlock) { alter(p, r, any) }, ""},
		}
		for _, tt := range tests {
			t.Run(fmt.Sprintf("k=%d/%s", k, tt.name), func(t *testing.T) {
				p := partialFrom(t, b, tt.present)
				if Decodable(k, tt.present) != nil {
					t.Fatal("test pattern must be decodable")
				}
				if _, err := c.RecoverBlock(p); err != nil {
					t.Fatalf("unaltered: %v", err)
				}
				tt.mutate(p)
				before := clonePartial(p)
				_, err := c.RecoverBlock(p)
				if !errors.Is(err, ErrInconsistent) {
					t.Fatalf("err = %v, want ErrInconsistent", err)
				}
				if !strings.Contains(err.Error(), tt.wantMsg) {
					t.Fatalf("err = %v, want it from the check %q", err, tt.wantMsg)
				}
				if !reflect.DeepEqual(p, before) {
					t.Fatal("RecoverBlock modified its input")
				}
			})
		}
	}
}

func TestRecoverBlockValidation(t *testing.T) {
	c := testCodec()
	b := testBlock(t, 2)
	full := func() *PartialBlock { return partialFrom(t, b, func(int, int) bool { return true }) }
	tests := []struct {
		name   string
		mutate func(p *PartialBlock) *PartialBlock
		want   error
	}{
		{"nil", func(*PartialBlock) *PartialBlock { return nil }, ErrLength},
		{"k=3", func(p *PartialBlock) *PartialBlock { p.K = 3; return p }, ErrRowCount},
		{"k=0", func(p *PartialBlock) *PartialBlock { p.K = 0; return p }, ErrRowCount},
		{"k=128", func(p *PartialBlock) *PartialBlock { p.K = 128; return p }, ErrRowCount},
		{"too few rows", func(p *PartialBlock) *PartialBlock { p.Cells = p.Cells[:3]; return p }, ErrLength},
		{"too many rows", func(p *PartialBlock) *PartialBlock {
			p.Cells = append(p.Cells, make([][]fr.Element, CellsPerRow))
			return p
		}, ErrLength},
		{"short row", func(p *PartialBlock) *PartialBlock { p.Cells[1] = p.Cells[1][:127]; return p }, ErrLength},
		{"short cell", func(p *PartialBlock) *PartialBlock { p.Cells[2][9] = p.Cells[2][9][:63]; return p }, ErrLength},
		{"long cell", func(p *PartialBlock) *PartialBlock {
			p.Cells[0][0] = append(p.Cells[0][0], fr.Element{})
			return p
		}, ErrLength},
		{"empty cell", func(p *PartialBlock) *PartialBlock { p.Cells[3][127] = []fr.Element{}; return p }, ErrLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.mutate(full())
			if _, err := c.RecoverBlock(p); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := NewPartialBlock(5); !errors.Is(err, ErrRowCount) {
		t.Fatalf("NewPartialBlock(5) err = %v", err)
	}
	if err := Decodable(6, nil); !errors.Is(err, ErrRowCount) {
		t.Fatalf("Decodable(6) err = %v", err)
	}
}

// TestDecodable checks the presence-only analysis on hand-made patterns.
func TestDecodable(t *testing.T) {
	tests := []struct {
		name    string
		k       int
		present func(r, c int) bool
		rows    int // stuck rows, 0 when decodable
		cols    int
	}{
		{"all present", 4, func(int, int) bool { return true }, 0, 0},
		{"nothing present", 2, nil, 4, 128},
		{"nothing present func", 2, func(int, int) bool { return false }, 4, 128},
		{"half of every row", 8, func(_, c int) bool { return c%2 == 0 }, 0, 0},
		{"63 of every row, k rows complete", 4, func(r, c int) bool { return r < 4 || c < 63 }, 0, 0},
		{"63 of every row", 4, func(_, c int) bool { return c < 63 }, 8, 65},
		{"only originals", 64, func(r, _ int) bool { return r < 64 }, 0, 0},
		{"needs two rounds", 2, func(r, c int) bool {
			// Only row 0 (64 cells) is recoverable at first; then columns
			// 0..62 (rows 0, 2) and 64..126 (rows 0, 1) are; then rows 1..3.
			switch r {
			case 0:
				return c < 64
			case 1:
				return c >= 64 && c < 127
			case 2:
				return c < 63
			}
			return false
		}, 0, 0},
		{"stuck after one round", 2, func(r, c int) bool {
			switch r {
			case 0:
				return c < 64
			case 1:
				return c >= 64 && c < 127
			}
			return false
		}, 3, 65},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Decodable(tt.k, tt.present)
			if tt.rows == 0 {
				if err != nil {
					t.Fatalf("Decodable: %v", err)
				}
				return
			}
			var ue *UndecodableError
			if !errors.As(err, &ue) || len(ue.Rows) != tt.rows || len(ue.Columns) != tt.cols {
				t.Fatalf("Decodable = %v, want %d rows x %d columns stuck", err, tt.rows, tt.cols)
			}
		})
	}
}
