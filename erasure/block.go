package erasure

import (
	"fmt"
	"slices"

	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
)

// Block is an extended block: 2K rows of ElementsPerRow elements in cell order.
type Block struct {
	K    int
	Rows [][]fr.Element
}

// newBlock allocates 2k rows over one backing array.
func newBlock(k int) *Block {
	backing := make([]fr.Element, 2*k*ElementsPerRow)
	b := &Block{K: k, Rows: make([][]fr.Element, 2*k)}
	for r := range b.Rows {
		b.Rows[r] = backing[r*ElementsPerRow : (r+1)*ElementsPerRow : (r+1)*ElementsPerRow]
	}
	return b
}

// Cell returns the 64 elements of cell (row, col) (a sub-slice, capacity
// limited so that appending to it cannot overwrite the next cell).
func (b *Block) Cell(row, col int) []fr.Element {
	lo := col * ElementsPerCell
	return b.Rows[row][lo : lo+ElementsPerCell : lo+ElementsPerCell]
}

// ExtendBlock 2D-encodes k blobs (k power of two in 1..64; each 4096
// evaluations). It column-extends the 4096-element blobs first (half the work
// of extending 8192-element rows), then row-extends all 2k rows in parallel.
func (c *Codec) ExtendBlock(blobs [][]fr.Element) (*Block, error) {
	logK, err := checkK(len(blobs))
	if err != nil {
		return nil, fmt.Errorf("erasure: extending %d blobs: %w", len(blobs), err)
	}
	for i, blob := range blobs {
		if len(blob) != ElementsPerBlob {
			return nil, fmt.Errorf("erasure: blob %d has %d elements, want %d: %w", i, len(blob), ElementsPerBlob, ErrLength)
		}
	}
	k := len(blobs)
	b := newBlock(k)
	for i, blob := range blobs {
		copy(b.Rows[i], blob)
	}
	c.extendColumnsInto(&c.cols[logK], blobHalves(b.Rows[k:]), blobs, ElementsPerBlob)
	parallelFor(2*k, func(r int) { c.extendInPlace(b.Rows[r], serialFFT) })
	return b, nil
}

// blobHalves returns the first 4096 elements (cells 0..63) of each row: the
// row's blob, since cells 0..63 are the bit-reversed 4096-point domain.
func blobHalves(rows [][]fr.Element) [][]fr.Element {
	h := make([][]fr.Element, len(rows))
	for i, r := range rows {
		h[i] = r[:ElementsPerBlob:ElementsPerBlob]
	}
	return h
}

// PartialBlock is what a node holds: Cells[r][c] is nil when missing, else 64
// elements. 2K x 128.
type PartialBlock struct {
	K     int
	Cells [][][]fr.Element
}

// NewPartialBlock returns an empty 2k x 128 grid.
func NewPartialBlock(k int) (*PartialBlock, error) {
	if _, err := checkK(k); err != nil {
		return nil, err
	}
	p := &PartialBlock{K: k, Cells: make([][][]fr.Element, 2*k)}
	for r := range p.Cells {
		p.Cells[r] = make([][]fr.Element, CellsPerRow)
	}
	return p, nil
}

// Present reports whether cell (row, col) is held.
func (p *PartialBlock) Present(row, col int) bool { return p.Cells[row][col] != nil }

// validate checks the grid's shape and every present cell's length.
func (p *PartialBlock) validate() error {
	if p == nil {
		return fmt.Errorf("erasure: nil partial block: %w", ErrLength)
	}
	if _, err := checkK(p.K); err != nil {
		return err
	}
	if len(p.Cells) != 2*p.K {
		return fmt.Errorf("erasure: partial block has %d rows, want %d: %w", len(p.Cells), 2*p.K, ErrLength)
	}
	for r, row := range p.Cells {
		if len(row) != CellsPerRow {
			return fmt.Errorf("erasure: partial block row %d has %d cells, want %d: %w", r, len(row), CellsPerRow, ErrLength)
		}
		for col, cell := range row {
			if cell != nil && len(cell) != ElementsPerCell {
				return fmt.Errorf("erasure: cell (%d, %d) has %d elements, want %d: %w",
					r, col, len(cell), ElementsPerCell, ErrLength)
			}
		}
	}
	return nil
}

// peeler tracks which cells are known while iterative row/column recovery
// runs: a row with >= 64 of its 128 cells, or a column with >= k of its 2k
// cells, can be completed. The final state does not depend on the order of
// steps (completing a line only adds cells), so Decodable and RecoverBlock
// agree.
type peeler struct {
	k        int
	known    [][CellsPerRow]bool
	rowCount []int
	colCount [CellsPerRow]int
}

func newPeeler(k int, present func(row, col int) bool) *peeler {
	s := &peeler{k: k, known: make([][CellsPerRow]bool, 2*k), rowCount: make([]int, 2*k)}
	for r := range 2 * k {
		for col := range CellsPerRow {
			if present != nil && present(r, col) {
				s.known[r][col] = true
				s.rowCount[r]++
				s.colCount[col]++
			}
		}
	}
	return s
}

// recoverableRows lists the incomplete rows holding >= 64 cells.
func (s *peeler) recoverableRows() []int {
	var rows []int
	for r, n := range s.rowCount {
		if n >= cellsToRecover && n < CellsPerRow {
			rows = append(rows, r)
		}
	}
	return rows
}

// recoverableColumns lists the incomplete columns holding >= k cells.
func (s *peeler) recoverableColumns() []int {
	var cols []int
	for col, n := range s.colCount {
		if n >= s.k && n < 2*s.k {
			cols = append(cols, col)
		}
	}
	return cols
}

// chooseRows picks, among the recoverable rows, a small set whose completion
// makes every incomplete column recoverable (or as many as possible):
// greedily the row that lowers most columns' deficits, ties to the lowest
// index. Every incomplete recoverable row misses a cell of some column; when
// called after all recoverable columns were completed, that column has a
// deficit, so rows are chosen until none is recoverable or no column is
// short.
func (s *peeler) chooseRows() []int {
	candidates := s.recoverableRows()
	var deficit [CellsPerRow]int
	for col, n := range s.colCount {
		if n < 2*s.k {
			deficit[col] = max(0, s.k-n)
		}
	}
	var chosen []int
	taken := make([]bool, len(candidates))
	for {
		best, bestGain := -1, 0
		for i, r := range candidates {
			if taken[i] {
				continue
			}
			gain := 0
			for col := range CellsPerRow {
				if !s.known[r][col] && deficit[col] > 0 {
					gain++
				}
			}
			if gain > bestGain {
				best, bestGain = i, gain
			}
		}
		if best < 0 {
			break
		}
		taken[best] = true
		r := candidates[best]
		chosen = append(chosen, r)
		for col := range CellsPerRow {
			if !s.known[r][col] && deficit[col] > 0 {
				deficit[col]--
			}
		}
	}
	slices.Sort(chosen)
	return chosen
}

func (s *peeler) fillRow(r int) {
	for col := range CellsPerRow {
		if !s.known[r][col] {
			s.known[r][col] = true
			s.rowCount[r]++
			s.colCount[col]++
		}
	}
}

func (s *peeler) fillColumn(col int) {
	for r := range s.known {
		if !s.known[r][col] {
			s.known[r][col] = true
			s.rowCount[r]++
			s.colCount[col]++
		}
	}
}

// run peels to the fixed point.
func (s *peeler) run() {
	for {
		rows := s.recoverableRows()
		for _, r := range rows {
			s.fillRow(r)
		}
		cols := s.recoverableColumns()
		for _, col := range cols {
			s.fillColumn(col)
		}
		if len(rows) == 0 && len(cols) == 0 {
			return
		}
	}
}

// stuck returns nil when every cell is known, else the incomplete rows and columns.
func (s *peeler) stuck() *UndecodableError {
	e := &UndecodableError{K: s.k}
	for r, n := range s.rowCount {
		if n < CellsPerRow {
			e.Rows = append(e.Rows, r)
			e.Missing += CellsPerRow - n
		}
	}
	if e.Missing == 0 {
		return nil
	}
	for col, n := range s.colCount {
		if n < 2*s.k {
			e.Columns = append(e.Columns, col)
		}
	}
	return e
}

// Decodable analyses a presence pattern only (no field arithmetic) with the
// same peeling rule as RecoverBlock: nil if iterative row/column recovery
// completes, else the same *UndecodableError RecoverBlock would return. A nil
// present means no cell is present.
func Decodable(k int, present func(row, col int) bool) error {
	if _, err := checkK(k); err != nil {
		return err
	}
	s := newPeeler(k, present)
	s.run()
	if e := s.stuck(); e != nil {
		return e
	}
	return nil
}

// RecoverBlock iterates row recovery (>= 64 cells of a row) and column
// recovery (>= k of the 2k cells of a column) until the block is complete or
// no progress is possible. It never modifies p. When stuck it returns an
// *UndecodableError (found from the presence pattern alone, before any
// arithmetic). It validates that every present cell has 64 elements.
//
// Column recovery costs a few vector operations per cell, row recovery five
// FFTs per row, so each round completes every recoverable column first and
// then only as many rows as the stuck columns need (greedy). Any order of
// recovery steps reaches the same final state, so this agrees with Decodable.
//
// The result is checked: rows recovered from more than 64 cells must lie on
// one polynomial, and the completed block must be a 2D codeword. Recovery
// only fills missing cells, so any disagreement means the given cells are not
// a codeword: ErrInconsistent.
func (c *Codec) RecoverBlock(p *PartialBlock) (*Block, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	k := p.K
	present := func(r, col int) bool { return p.Cells[r][col] != nil }
	if err := Decodable(k, present); err != nil {
		return nil, err
	}

	b := newBlock(k)
	for r, row := range p.Cells {
		for col, cell := range row {
			if cell != nil {
				copy(b.Cell(r, col), cell)
			}
		}
	}
	s := newPeeler(k, present)
	// rowCodeword[r]: row r came out of row recovery, so it is a row codeword.
	rowCodeword := make([]bool, 2*k)
	for {
		cols := s.recoverableColumns()
		c.recoverColumns(b, s, cols)
		for _, col := range cols {
			s.fillColumn(col)
		}
		rows := s.chooseRows()
		if len(rows) == 0 && len(cols) == 0 {
			break
		}
		if err := c.recoverRows(b, s, rows); err != nil {
			return nil, err
		}
		for _, r := range rows {
			s.fillRow(r)
			rowCodeword[r] = true
		}
	}
	if e := s.stuck(); e != nil {
		// Unreachable: Decodable said the same peeling completes.
		return nil, e
	}
	if err := c.checkBlock(b, rowCodeword); err != nil {
		return nil, err
	}
	return b, nil
}

// recoverRows completes the given rows of b in parallel from their known cells.
func (c *Codec) recoverRows(b *Block, s *peeler, rows []int) error {
	errs := make([]error, len(rows))
	parallelFor(len(rows), func(i int) {
		r := rows[i]
		sc := c.getScratch()
		defer c.putScratch(sc)
		idx, cells := sc.idx[:0], sc.cell[:0]
		for col := range CellsPerRow {
			if s.known[r][col] {
				idx = append(idx, col)
				cells = append(cells, b.Cell(r, col))
			}
		}
		defer func() {
			clear(cells) // drop references to b before the scratch is pooled
			sc.idx, sc.cell = idx[:0], cells[:0]
		}()
		if err := c.recoverInto(sc, idx, cells, serialFFT); err != nil {
			errs[i] = fmt.Errorf("erasure: recovering row %d: %w", r, err)
			return
		}
		c.evalCells(sc.work, serialFFT)
		for col := range CellsPerRow {
			if !s.known[r][col] {
				copy(b.Cell(r, col), sc.work[col*ElementsPerCell:(col+1)*ElementsPerCell])
			}
		}
	})
	return firstError(errs)
}

// columnPlan interpolates one presence pattern of a column: every target
// (missing) row is sum_i weights[t][i] * basis row i, where the basis is the
// first k known rows.
type columnPlan struct {
	basis   []int
	targets []int
	weights [][]fr.Element
}

// recoverColumns completes the given columns of b. All 64 positions of a
// cell column share its presence pattern, and columns often share patterns,
// so interpolation weights are computed once per distinct pattern and
// applied to whole cells with vector operations.
func (c *Codec) recoverColumns(b *Block, s *peeler, cols []int) {
	if len(cols) == 0 {
		return
	}
	d := c.colDomain(b.K)
	plans := make(map[[2]uint64]*columnPlan)
	colPlan := make([]*columnPlan, len(cols))
	for i, col := range cols {
		var key [2]uint64
		for r := range s.known {
			if s.known[r][col] {
				key[r/64] |= 1 << (r % 64)
			}
		}
		pl, ok := plans[key]
		if !ok {
			pl = newColumnPlan(d, key)
			plans[key] = pl
		}
		colPlan[i] = pl
	}
	parallelFor(len(cols), func(i int) {
		col, pl := cols[i], colPlan[i]
		sc := c.getScratch()
		defer c.putScratch(sc)
		tmp := sc.tmp[:ElementsPerCell]
		for t, r := range pl.targets {
			out := fr.Vector(b.Cell(r, col))
			w := pl.weights[t]
			out.ScalarMul(b.Cell(pl.basis[0], col), &w[0])
			for j := 1; j < len(pl.basis); j++ {
				tmp.ScalarMul(b.Cell(pl.basis[j], col), &w[j])
				out.Add(out, tmp)
			}
		}
	})
}

// colDomain returns the column-code tables for a validated k.
func (c *Codec) colDomain(k int) *colDomain {
	logK, err := checkK(k)
	if err != nil {
		panic(err) // unreachable: callers validate k
	}
	return &c.cols[logK]
}

// newColumnPlan computes Lagrange weights on the first k known rows (bit set
// in known) for every unknown row: L_i(t) = prod_j (t - x_j) / ((t - x_i) * d_i)
// with d_i = prod_{j != i} (x_i - x_j); one batch inversion for all of them.
func newColumnPlan(d *colDomain, known [2]uint64) *columnPlan {
	pl := &columnPlan{}
	for r := range 2 * d.k {
		if known[r/64]>>(r%64)&1 == 1 {
			if len(pl.basis) < d.k {
				pl.basis = append(pl.basis, r)
			}
		} else {
			pl.targets = append(pl.targets, r)
		}
	}
	k := d.k
	x := make([]fr.Element, k)
	for i, r := range pl.basis {
		x[i] = d.points[r]
	}
	den := make([]fr.Element, k)
	for i := range den {
		den[i].SetOne()
		for j := range x {
			if j != i {
				var t fr.Element
				t.Sub(&x[i], &x[j])
				den[i].Mul(&den[i], &t)
			}
		}
	}
	all := make([]fr.Element, len(pl.targets)*k)
	num := make([]fr.Element, len(pl.targets))
	for t, r := range pl.targets {
		y := &d.points[r]
		num[t].SetOne()
		for i := range x {
			var diff fr.Element
			diff.Sub(y, &x[i])
			num[t].Mul(&num[t], &diff)
			all[t*k+i].Mul(&diff, &den[i])
		}
	}
	batchInvert(all, make([]fr.Element, len(all)))
	pl.weights = make([][]fr.Element, len(pl.targets))
	for t := range pl.targets {
		w := all[t*k : (t+1)*k]
		for i := range w {
			w[i].Mul(&w[i], &num[t])
		}
		pl.weights[t] = w
	}
	return pl
}

// checkBlock verifies that the complete grid b is a 2D codeword. It is one
// iff every column (all 8192 positions) is a column codeword and some k rows
// are row codewords: every other row is then a linear combination of those k
// rows. Rows that came out of row recovery (rowCodeword) are codewords by
// construction, so they are chosen first and only the rest are re-extended.
func (c *Codec) checkBlock(b *Block, rowCodeword []bool) error {
	if err := c.checkColumns(b); err != nil {
		return err
	}
	check := make([]int, 0, b.K)
	trusted := 0
	for _, ok := range rowCodeword {
		if ok {
			trusted++
		}
	}
	for r := 0; r < 2*b.K && trusted+len(check) < b.K; r++ {
		if !rowCodeword[r] {
			check = append(check, r)
		}
	}
	errs := make([]error, len(check))
	parallelFor(len(check), func(i int) {
		r := check[i]
		sc := c.getScratch()
		defer c.putScratch(sc)
		copy(sc.work, b.Rows[r][:ElementsPerBlob])
		c.extendInPlace(sc.work, serialFFT)
		if col := firstDiffCell(sc.work[ElementsPerBlob:], b.Rows[r][ElementsPerBlob:]); col >= 0 {
			errs[i] = fmt.Errorf("erasure: cell (%d, %d) disagrees with its row's polynomial: %w",
				r, col+ElementsPerBlob/ElementsPerCell, ErrInconsistent)
		}
	})
	return firstError(errs)
}

// checkColumns verifies that every column position of b is a column
// codeword: the column extension of rows 0..k-1 equals rows k..2k-1. It works
// one cell column (64 positions) at a time in per-goroutine scratch.
func (c *Codec) checkColumns(b *Block) error {
	k := b.K
	d := c.colDomain(k)
	errs := make([]error, CellsPerRow)
	parallelFor(CellsPerRow, func(col int) {
		sc := c.getScratch()
		defer c.putScratch(sc)
		if sc.cols == nil {
			sc.cols = make([]fr.Element, MaxOriginalRows*ElementsPerCell)
		}
		v := sc.cell[:0]
		for i := range k {
			piece := sc.cols[i*ElementsPerCell : (i+1)*ElementsPerCell]
			copy(piece, b.Cell(i, col))
			v = append(v, piece)
		}
		d.extend(v, sc.tmp[:ElementsPerCell])
		for i := range k {
			if !slices.Equal(v[i], b.Cell(k+i, col)) {
				errs[col] = fmt.Errorf("erasure: cell (%d, %d) disagrees with its column's polynomial: %w",
					k+i, col, ErrInconsistent)
				break
			}
		}
		clear(v)
		sc.cell = v[:0]
	})
	return firstError(errs)
}

func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// firstDiffCell returns the index of the first 64-element cell where a and b
// differ, or -1.
func firstDiffCell(a, b []fr.Element) int {
	for col := 0; col*ElementsPerCell < len(a); col++ {
		lo := col * ElementsPerCell
		if !slices.Equal(a[lo:lo+ElementsPerCell], b[lo:lo+ElementsPerCell]) {
			return col
		}
	}
	return -1
}
