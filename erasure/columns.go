package erasure

import (
	"fmt"

	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
)

// colChunk is how many column positions one column transform handles at a
// time: the k row pieces (k*colChunk*32 bytes, 128 KiB at k = 64) stay in
// cache through all butterfly stages.
const colChunk = 64

// colDomain holds the tables of the column code for k original rows: a
// column is a polynomial of degree < k evaluated at y_0..y_{2k-1}, where
// y_r = w_{2k}^brp(r): rows 0..k-1 on the k-th roots of unity (bit-reversed),
// rows k..2k-1 on their coset w_{2k}*H.
type colDomain struct {
	k      int
	logK   int
	tw     []fr.Element // w_k^j, j < k/2
	twInv  []fr.Element // w_k^-j, j < k/2
	scale  []fr.Element // w_{2k}^m / k, m < k: IFFT normalisation and coset shift in one
	points []fr.Element // y_r, r < 2k
}

func newColDomain(k int) colDomain {
	logK, err := checkK(k)
	if err != nil {
		panic(err) // unreachable: called with k = 1..64
	}
	d := colDomain{k: k, logK: logK}
	w2k, err := fr.Generator(uint64(2 * k))
	if err != nil {
		panic(err) // unreachable: 2k <= 128
	}
	var wk, wkInv fr.Element
	wk.Square(&w2k)
	wkInv.Inverse(&wk)
	d.tw = powers(wk, k/2)
	d.twInv = powers(wkInv, k/2)
	d.scale = powers(w2k, k)
	var kInv fr.Element
	kInv.SetUint64(uint64(k)).Inverse(&kInv)
	for i := range d.scale {
		d.scale[i].Mul(&d.scale[i], &kInv)
	}
	pow := powers(w2k, 2*k)
	d.points = make([]fr.Element, 2*k)
	for r := range d.points {
		d.points[r] = pow[reverseBits(r, logK+1)]
	}
	return d
}

// powers returns x^0..x^(n-1).
func powers(x fr.Element, n int) []fr.Element {
	p := make([]fr.Element, n)
	if n > 0 {
		p[0].SetOne()
	}
	for i := 1; i < n; i++ {
		p[i].Mul(&p[i-1], &x)
	}
	return p
}

// RowPoint returns y_r for row r of a block with k original rows (0 <= r < 2k):
// y_r = w_{2k}^brp(r), brp on log2(2k) bits.
func RowPoint(k, r int) (fr.Element, error) {
	logK, err := checkK(k)
	if err != nil {
		return fr.Element{}, err
	}
	if r < 0 || r >= 2*k {
		return fr.Element{}, fmt.Errorf("erasure: row %d of %d: %w", r, 2*k, ErrRowIndex)
	}
	return rowPoint(logK, r), nil
}

func rowPoint(logK, r int) fr.Element {
	w, err := fr.Generator(uint64(2) << logK)
	if err != nil {
		panic(err) // unreachable: 2k <= 128
	}
	var y fr.Element
	y.Exp(w, bigInt(reverseBits(r, logK+1)))
	return y
}

// LagrangeWeights returns w with w[i] = L_i(y_r), i < k, so that
// row r = sum_i w[i]*row_i (for r < k it is the unit vector e_r).
// On the roots of unity L_i(X) = (X^k - 1) * y_i / (k * (X - y_i)), and for an
// extension row y_r^k = -1, so w[i] = -2/k * y_i / (y_r - y_i): O(k) with one
// batch inversion.
func LagrangeWeights(k, r int) ([]fr.Element, error) {
	logK, err := checkK(k)
	if err != nil {
		return nil, err
	}
	if r < 0 || r >= 2*k {
		return nil, fmt.Errorf("erasure: row %d of %d: %w", r, 2*k, ErrRowIndex)
	}
	w := make([]fr.Element, k)
	if r < k {
		w[r].SetOne()
		return w, nil
	}
	yr := rowPoint(logK, r)
	// y_i = w_k^brp(i): walk the powers of w_k once.
	wk, err := fr.Generator(uint64(k))
	if err != nil {
		panic(err) // unreachable
	}
	ys := make([]fr.Element, k)
	var p fr.Element
	p.SetOne()
	for e := range k {
		ys[reverseBits(e, logK)] = p
		p.Mul(&p, &wk)
	}
	for i := range w {
		w[i].Sub(&yr, &ys[i]) // non-zero: y_r is off the k-th roots of unity
	}
	batchInvert(w, make([]fr.Element, k))
	var c fr.Element // -2/k
	c.SetUint64(uint64(k)).Inverse(&c).Double(&c).Neg(&c)
	for i := range w {
		w[i].Mul(&w[i], &ys[i]).Mul(&w[i], &c)
	}
	return w, nil
}

// ExtendColumns takes k equal-length rows (k a power of two 1..64, any
// length; e.g. 4096-element blobs or 8192-element extended rows) and returns
// 2k rows: the first k are the inputs (aliased), rows k..2k-1 the column
// extension, in one new backing array. Each column position costs a size-k
// inverse FFT and a size-k coset FFT, run on whole row pieces at once.
func (c *Codec) ExtendColumns(rows [][]fr.Element) ([][]fr.Element, error) {
	logK, err := checkK(len(rows))
	if err != nil {
		return nil, fmt.Errorf("erasure: extending %d rows: %w", len(rows), err)
	}
	k, n := len(rows), len(rows[0])
	for i, r := range rows {
		if len(r) != n {
			return nil, fmt.Errorf("erasure: row %d has %d elements, row 0 has %d: %w", i, len(r), n, ErrLength)
		}
	}
	out := make([][]fr.Element, 2*k)
	copy(out, rows)
	backing := make([]fr.Element, k*n)
	for i := range k {
		out[k+i] = backing[i*n : (i+1)*n : (i+1)*n]
	}
	c.extendColumnsInto(&c.cols[logK], out[k:], rows, n)
	return out, nil
}

// extendColumnsInto writes the column extension of src (k rows, positions
// 0..n-1) into dst (k rows), in parallel over chunks of positions.
func (c *Codec) extendColumnsInto(d *colDomain, dst, src [][]fr.Element, n int) {
	chunks := (n + colChunk - 1) / colChunk
	parallelFor(chunks, func(chunk int) {
		s := c.getScratch()
		defer c.putScratch(s)
		lo := chunk * colChunk
		hi := min(lo+colChunk, n)
		v := s.cell[:0]
		for i := range d.k {
			piece := dst[i][lo:hi]
			copy(piece, src[i][lo:hi])
			v = append(v, piece)
		}
		d.extend(v, s.tmp[:hi-lo])
		clear(v) // drop references to dst before the scratch is pooled
		s.cell = v[:0]
	})
}

// extend maps v (k vectors: the column values of rows 0..k-1, at y_i in
// bit-reversed order) in place to the values of rows k..2k-1. Bit-reversed
// input suits a DIT inverse FFT (natural-order coefficients out); after the
// coset shift, a DIF FFT yields the coset values in bit-reversed order, which
// is the order of rows k..2k-1.
func (d *colDomain) extend(v [][]fr.Element, tmp fr.Vector) {
	ditVectors(v, d.twInv, tmp)
	for m := range v {
		vm := fr.Vector(v[m])
		vm.ScalarMul(vm, &d.scale[m])
	}
	difVectors(v, d.tw, tmp)
}

// ditVectors is an in-place radix-2 decimation-in-time FFT over vectors
// (element-wise in parallel): input in bit-reversed order, output natural.
// tw[j] = w^j for j < len(v)/2.
func ditVectors(v [][]fr.Element, tw []fr.Element, tmp fr.Vector) {
	n := len(v)
	for m := 2; m <= n; m <<= 1 {
		half, step := m/2, n/m
		for start := 0; start < n; start += m {
			for j := range half {
				a, b := fr.Vector(v[start+j]), fr.Vector(v[start+j+half])
				if j == 0 {
					copy(tmp, b)
				} else {
					tmp.ScalarMul(b, &tw[j*step])
				}
				b.Sub(a, tmp)
				a.Add(a, tmp)
			}
		}
	}
}

// difVectors is an in-place radix-2 decimation-in-frequency FFT over
// vectors: input natural order, output bit-reversed. tw[j] = w^j, j < len(v)/2.
func difVectors(v [][]fr.Element, tw []fr.Element, tmp fr.Vector) {
	n := len(v)
	for m := n; m >= 2; m >>= 1 {
		half, step := m/2, n/m
		for start := 0; start < n; start += m {
			for j := range half {
				a, b := fr.Vector(v[start+j]), fr.Vector(v[start+j+half])
				tmp.Sub(a, b)
				a.Add(a, b)
				if j == 0 {
					copy(b, tmp)
				} else {
					b.ScalarMul(tmp, &tw[j*step])
				}
			}
		}
	}
}
