package kzg

import (
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bls12-381/fp"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
)

// randFp returns a uniformly random field element from rng.
func randFp(rng *rand.Rand) fp.Element {
	var b [fp.Bytes]byte
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	var e fp.Element
	e.SetBytes(b[:]) // reduced mod p
	return e
}

// edgeFp are field elements whose words hit the carry paths: 0, 1, p-1, the
// largest values below p and 2^383, and words of all ones.
func edgeFp() []fp.Element {
	p := fp.Modulus()
	vals := []*big.Int{
		big.NewInt(0), big.NewInt(1), big.NewInt(2),
		new(big.Int).Sub(p, big.NewInt(1)),
		new(big.Int).Sub(p, big.NewInt(2)),
		new(big.Int).Rsh(p, 1),
		new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 380), big.NewInt(1)),
		new(big.Int).Lsh(big.NewInt(1), 32),
		new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 64), big.NewInt(1)),
	}
	var out []fp.Element
	for _, v := range vals {
		var e fp.Element
		e.SetBigInt(v)
		out = append(out, e)
		// Also as raw Montgomery words: fp.Element{v} is the value v*R^-1.
		if v.Cmp(p) < 0 {
			var raw fp.Element
			for i, w := range v.Bits() {
				raw[i] = uint64(w)
			}
			out = append(out, raw)
		}
	}
	return out
}

func TestFp32MatchesGnark(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	xs := edgeFp()
	n := 2000
	if heavy {
		n = 20000
	}
	for range n {
		xs = append(xs, randFp(rng))
	}
	for i := range xs {
		x := &xs[i]
		y := &xs[(i*7+3)%len(xs)]
		if i < 40 { // every pair of edge values
			for j := range min(len(xs), 40) {
				checkFp32(t, x, &xs[j])
			}
		}
		checkFp32(t, x, y)
	}
}

func checkFp32(t *testing.T, x, y *fp.Element) {
	t.Helper()
	var want, got fp.Element
	want.Mul(x, y)
	fp32Mul(&got, x, y)
	if got != want {
		t.Fatalf("fp32Mul(%s, %s) = %s, want %s", x, y, &got, &want)
	}
	got = *x
	fp32Mul(&got, &got, y) // aliased output
	if got != want {
		t.Fatalf("fp32Mul aliased: %s, want %s", &got, &want)
	}
	want.Square(x)
	fp32Square(&got, x)
	if got != want {
		t.Fatalf("fp32Square(%s) = %s, want %s", x, &got, &want)
	}
	fpMul(&got, x, y)
	if want.Mul(x, y); got != want {
		t.Fatal("fpMul differs from fp.Element.Mul")
	}
	fpSquare(&got, x)
	if want.Square(x); got != want {
		t.Fatal("fpSquare differs from fp.Element.Square")
	}
}

func TestFpSqrtAndExp(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	n := 30
	if heavy {
		n = 300
	}
	xs := edgeFp()
	for range n {
		xs = append(xs, randFp(rng))
	}
	e := sqrtExponent()
	var eBig big.Int
	for i := 5; i >= 0; i-- {
		eBig.Lsh(&eBig, 64).Or(&eBig, new(big.Int).SetUint64(e[i]))
	}
	if want := new(big.Int).Add(fp.Modulus(), big.NewInt(1)); new(big.Int).Lsh(&eBig, 2).Cmp(want) != 0 {
		t.Fatal("sqrtExponent is not (p+1)/4")
	}
	squares := 0
	for _, x := range xs {
		var want fp.Element
		want.Exp(x, &eBig)
		var got fp.Element
		fpExp(&got, &x, &e)
		if got != want {
			t.Fatalf("fpExp(%s) = %s, want %s", &x, &got, &want)
		}
		var r, ref fp.Element
		ok := fpSqrt(&r, &x)
		refOK := ref.Sqrt(&x) != nil
		if ok != refOK || ok && r != ref {
			t.Fatalf("fpSqrt(%s) = %s, %v; gnark %s, %v", &x, &r, ok, &ref, refOK)
		}
		if ok {
			squares++
		}
	}
	if squares == 0 || squares == len(xs) {
		t.Fatalf("%d squares among %d elements: both cases not exercised", squares, len(xs))
	}
	// Other exponents: 0, 1, small, and random ones.
	exps := [][6]uint64{{}, {1}, {2}, {31}, {32}, {0, 1}, {1 << 63, 1 << 63, 0, 0, 0, 1 << 63}}
	for range 5 {
		var r [6]uint64
		for i := range r {
			r[i] = rng.Uint64()
		}
		exps = append(exps, r)
	}
	x := randFp(rng)
	for _, ex := range exps {
		var eb big.Int
		for i := 5; i >= 0; i-- {
			eb.Lsh(&eb, 64).Or(&eb, new(big.Int).SetUint64(ex[i]))
		}
		var want, got fp.Element
		want.Exp(x, &eb)
		fpExp(&got, &x, &ex)
		if got != want {
			t.Fatalf("fpExp with exponent %v: %s, want %s", ex, &got, &want)
		}
	}
}

func TestFpBatchInvert(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 1, 2, 7, 64} {
		a := make([]fp.Element, n)
		for i := range a {
			for a[i].IsZero() {
				a[i] = randFp(rng)
			}
		}
		inv := append([]fp.Element(nil), a...)
		fpBatchInvert(inv, make([]fp.Element, n))
		for i := range a {
			var one fp.Element
			fpMul(&one, &a[i], &inv[i])
			if !one.IsOne() {
				t.Fatalf("n=%d: element %d: a * a^-1 != 1", n, i)
			}
		}
	}
}

// TestFr32MatchesGnark compares fr32Mul with gnark on random values and on
// 0, 1, r-1 and values with extreme words.
func TestFr32MatchesGnark(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	r := fr.Modulus()
	var xs []fr.Element
	for _, v := range []*big.Int{big.NewInt(0), big.NewInt(1), new(big.Int).Sub(r, big.NewInt(1)),
		new(big.Int).Rsh(r, 1), new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 254), big.NewInt(1)),
		new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 64), big.NewInt(1))} {
		var e fr.Element
		e.SetBigInt(v)
		xs = append(xs, e)
		var raw fr.Element // the value v*R^-1
		for i, w := range v.Bits() {
			raw[i] = uint64(w)
		}
		xs = append(xs, raw)
	}
	n := 2000
	if heavy {
		n = 20000
	}
	for range n {
		var e fr.Element
		e.SetUint64(rng.Uint64())
		var f fr.Element
		f.SetUint64(rng.Uint64())
		e.Mul(&e, &f).Square(&e)
		xs = append(xs, e)
	}
	for i := range xs {
		for j := range xs {
			if i >= 12 && j != (i*7+3)%len(xs) {
				continue
			}
			var want, got fr.Element
			want.Mul(&xs[i], &xs[j])
			fr32Mul(&got, &xs[i], &xs[j])
			if got != want {
				t.Fatalf("fr32Mul(%s, %s) = %s, want %s", &xs[i], &xs[j], &got, &want)
			}
			if frMul(&got, &xs[i], &xs[j]); got != want {
				t.Fatal("frMul differs from fr.Element.Mul")
			}
		}
	}
}

// BenchmarkFieldMul compares gnark's multiplications with the 32-bit-word
// ones (the latter are only used under wasm, where they are faster).
func BenchmarkFieldMul(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	x, y := randFp(rng), randFp(rng)
	b.Run("fp-gnark", func(b *testing.B) {
		for b.Loop() {
			x.Mul(&x, &y)
		}
	})
	b.Run("fp-32bit", func(b *testing.B) {
		for b.Loop() {
			fp32Mul(&x, &x, &y)
		}
	})
	b.Run("fp-gnark-square", func(b *testing.B) {
		for b.Loop() {
			x.Square(&x)
		}
	})
	b.Run("fp-32bit-square", func(b *testing.B) {
		for b.Loop() {
			fp32Square(&x, &x)
		}
	})
	var u, w fr.Element
	u.SetUint64(rng.Uint64())
	w.SetUint64(rng.Uint64())
	b.Run("fr-gnark", func(b *testing.B) {
		for b.Loop() {
			u.Mul(&u, &w)
		}
	})
	b.Run("fr-32bit", func(b *testing.B) {
		for b.Loop() {
			fr32Mul(&u, &u, &w)
		}
	})
}
