package bls

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"math/big"
	"strings"
	"testing"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fp"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Ethereum's consensus-spec BLS vectors use the same ciphersuite with the
// unprefixed tags, so they pin down key derivation, hashing to G2, signing
// and the encodings.
const (
	ethSigDST = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_"
	ethPopDST = "BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_"
)

func TestEthereumVectors(t *testing.T) {
	eth, err := NewSchemeWithDST(ethSigDST, ethPopDST)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][2]string{{"", "x"}, {ethSigDST, ethSigDST}, {string(make([]byte, 256)), "x"}} {
		if _, err := NewSchemeWithDST(bad[0], bad[1]); err == nil {
			t.Fatalf("tags %q accepted", bad)
		}
	}
	cases := []struct{ sk, pk, msg, sig string }{
		{
			sk:  "263dbd792f5b1be47ed85f8938c0f29586af0d3ac7b977f21c278fe1462040e3",
			pk:  "a491d1b0ecd9bb917989f0e74f0dea0422eac4a873e5e2644f368dffb9a6e20fd6e10c1b77654d067c0618f6e5a7f79a",
			msg: "0000000000000000000000000000000000000000000000000000000000000000",
			sig: "b6ed936746e01f8ecf281f020953fbf1f01debd5657c4a383940b020b26507f6076334f91e2366c96e9ab279fb5158090352ea1c5b0c9274504f4f0e7053af24802e51e4568d164fe986834f41e55c8e850ce1f98458c0cfc9ab380b55285a55",
		},
		{
			sk:  "47b8192d77bf871b62e87859d653922725724a5c031afeabc60bcef5ff665138",
			pk:  "b301803f8b5ac4a1133581fc676dfedc60d891dd5fa99028805e5ea5b08d3491af75d0707adab3b70c6a6a580217bf81",
			msg: "5656565656565656565656565656565656565656565656565656565656565656",
			sig: "af1390c3c47acdb37131a51216da683c509fce0e954328a59f93aebda7e4ff974ba208d9a4a2a2389f892a9d418d618418dd7f7a6bc7aa0da999a9d3a5b815bc085e14fd001f6a1948768a3f4afefc8b8240dda329f984cb345c6363272ba4fe",
		},
		{
			sk:  "328388aff0d4a5b7dc9205abd374e7e98f3cd9f3418edb4eafda5fb16473d216",
			pk:  "b53d21a4cfd562c469cc81514d4ce5a6b577d8403d32a394dc265dd190b47fa9f829fdd7963afdf972e5e77854051f6f",
			msg: "5656565656565656565656565656565656565656565656565656565656565656",
			sig: "a4efa926610b8bd1c8330c918b7a5e9bf374e53435ef8b7ec186abf62e1b1f65aeaaeb365677ac1d1172a1f5b44b4e6d022c252c58486c0a759fbdc7de15a756acc4d343064035667a594b4c2a6f0b0b421975977f297dba63ee2f63ffe47bb6",
		},
	}
	for _, c := range cases {
		sk, err := SecretKeyFromBytes(unhex(t, c.sk))
		if err != nil {
			t.Fatal(err)
		}
		pk := sk.PublicKey()
		if got := pk.Bytes(); !bytes.Equal(got[:], unhex(t, c.pk)) {
			t.Fatalf("pk = %x, want %s", got, c.pk)
		}
		msg := unhex(t, c.msg)
		sig := eth.Sign(sk, msg)
		if got := sig.Bytes(); !bytes.Equal(got[:], unhex(t, c.sig)) {
			t.Fatalf("sig = %x, want %s", got, c.sig)
		}
		dec, err := SignatureFromBytes(unhex(t, c.sig))
		if err != nil {
			t.Fatal(err)
		}
		if err := eth.Verify(pk, msg, dec); err != nil {
			t.Fatalf("verify vector: %v", err)
		}
		// Under the lightdas tag the same signature is worthless.
		if err := NewScheme().Verify(pk, msg, dec); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("cross-domain verify = %v, want ErrBadSignature", err)
		}
	}
}

// RFC 9380 Appendix J.10.1 (suite BLS12381G2_XMD:SHA-256_SSWU_RO_, the
// RFC's own test tag): messages are hashed to G2 by the RFC's
// hash_to_curve, whatever the tag. Signing with the secret key 1 yields
// H(msg) itself, so the vectors also pin the scheme's signing path.
func TestHashToG2RFC9380(t *testing.T) {
	const dst = "QUUX-V01-CS02-with-BLS12381G2_XMD:SHA-256_SSWU_RO_"
	s, err := NewSchemeWithDST(dst, "QUUX-V01-CS02-unused-PoP-tag")
	if err != nil {
		t.Fatal(err)
	}
	one, err := SecretKeyFromBytes(append(make([]byte, SecretKeySize-1), 1))
	if err != nil {
		t.Fatal(err)
	}
	// P = (x0 + x1·I, y0 + y1·I) as the RFC prints it.
	cases := []struct{ msg, x0, x1, y0, y1 string }{
		{
			msg: "",
			x0:  "0x0141ebfbdca40eb85b87142e130ab689c673cf60f1a3e98d69335266f30d9b8d4ac44c1038e9dcdd5393faf5c41fb78a",
			x1:  "0x05cb8437535e20ecffaef7752baddf98034139c38452458baeefab379ba13dff5bf5dd71b72418717047f5b0f37da03d",
			y0:  "0x0503921d7f6a12805e72940b963c0cf3471c7b2a524950ca195d11062ee75ec076daf2d4bc358c4b190c0c98064fdd92",
			y1:  "0x12424ac32561493f3fe3c260708a12b7c620e7be00099a974e259ddc7d1f6395c3c811cdd19f1e8dbf3e9ecfdcbab8d6",
		},
		{
			msg: "abc",
			x0:  "0x02c2d18e033b960562aae3cab37a27ce00d80ccd5ba4b7fe0e7a210245129dbec7780ccc7954725f4168aff2787776e6",
			x1:  "0x139cddbccdc5e91b9623efd38c49f81a6f83f175e80b06fc374de9eb4b41dfe4ca3a230ed250fbe3a2acf73a41177fd8",
			y0:  "0x1787327b68159716a37440985269cf584bcb1e621d3a7202be6ea05c4cfe244aeb197642555a0645fb87bf7466b2ba48",
			y1:  "0x00aa65dae3c8d732d10ecd2c50f8a1baf3001578f71c694e03866e9f3d49ac1e1ce70dd94a733534f106d4cec0eddd16",
		},
		{
			msg: "abcdef0123456789",
			x0:  "0x121982811d2491fde9ba7ed31ef9ca474f0e1501297f68c298e9f4c0028add35aea8bb83d53c08cfc007c1e005723cd0",
			x1:  "0x190d119345b94fbd15497bcba94ecf7db2cbfd1e1fe7da034d26cbba169fb3968288b3fafb265f9ebd380512a71c3f2c",
			y0:  "0x05571a0f8d3c08d094576981f4a3b8eda0a8e771fcdcc8ecceaf1356a6acf17574518acb506e435b639353c2e14827c8",
			y1:  "0x0bb5e7572275c567462d91807de765611490205a941a5a6af3b1691bfe596c31225d3aabdf15faff860cb4ef17c7c3be",
		},
		{
			msg: "q128_" + strings.Repeat("q", 128),
			x0:  "0x19a84dd7248a1066f737cc34502ee5555bd3c19f2ecdb3c7d9e24dc65d4e25e50d83f0f77105e955d78f4762d33c17da",
			x1:  "0x0934aba516a52d8ae479939a91998299c76d39cc0c035cd18813bec433f587e2d7a4fef038260eef0cef4d02aae3eb91",
			y0:  "0x14f81cd421617428bc3b9fe25afbb751d934a00493524bc4e065635b0555084dd54679df1536101b2c979c0152d09192",
			y1:  "0x09bcccfa036b4847c9950780733633f13619994394c23ff0b32fa6b795844f4a0673e20282d07bc69641cee04f5e5662",
		},
		{
			msg: "a512_" + strings.Repeat("a", 512),
			x0:  "0x01a6ba2f9a11fa5598b2d8ace0fbe0a0eacb65deceb476fbbcb64fd24557c2f4b18ecfc5663e54ae16a84f5ab7f62534",
			x1:  "0x11fca2ff525572795a801eed17eb12785887c7b63fb77a42be46ce4a34131d71f7a73e95fee3f812aea3de78b4d01569",
			y0:  "0x0b6798718c8aed24bc19cb27f866f1c9effcdbf92397ad6448b5c9db90d2b9da6cbabf48adc1adf59a1a28344e79d57e",
			y1:  "0x03a47f8e6d1763ba0cad63d6114c0accbef65707825a511b251a660a9b3994249ae4e63fac38b23da0c398689ee2ab52",
		},
	}
	for _, c := range cases {
		var want bls12381.G2Affine
		for _, f := range []struct {
			e *fp.Element
			v string
		}{{&want.X.A0, c.x0}, {&want.X.A1, c.x1}, {&want.Y.A0, c.y0}, {&want.Y.A1, c.y1}} {
			if _, err := f.e.SetString(f.v); err != nil {
				t.Fatal(err)
			}
		}
		if !want.IsOnCurve() || !want.IsInSubGroup() {
			t.Fatalf("msg %.10q: vector point not in G2 (typo in the test)", c.msg)
		}
		if got := s.hash([]byte(c.msg), []byte(dst)); !got.Equal(&want) {
			t.Fatalf("hash_to_curve(%.10q) differs from RFC 9380", c.msg)
		}
		if got := s.Sign(one, []byte(c.msg)); !got.p.Equal(&want) {
			t.Fatalf("Sign(1, %.10q) is not H(msg) of RFC 9380", c.msg)
		}
	}
	// The lightdas tag is a different hash: same message, another point.
	h := NewScheme().hash(nil, []byte(SignatureDST))
	if rfc := s.hash(nil, []byte(dst)); h.Equal(&rfc) {
		t.Fatal("the lightdas tag hashes like the RFC test tag")
	}
}

// EIP-2333 master keys are the draft's KeyGen with an empty key_info.
func TestKeyGenVectors(t *testing.T) {
	cases := []struct{ seed, sk string }{
		{"c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04", "6083874454709270928345386274498605044986640685124978867557563392430687146096"},
		{"3141592653589793238462643383279502884197169399375105820974944592", "29757020647961307431480504535336562678282505419141012933316116377660817309383"},
		{"0099ff991111002299dd7744ee3355bbdd8844115566cc55663355668888cc00", "27580842291869792442942448775674722299803720648445448686099262467207037398656"},
		{"d4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3", "19022158461524446591288038168518313374041767046816487870552872741050760015818"},
	}
	for _, c := range cases {
		sk, err := KeyGen(unhex(t, c.seed), nil)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := new(big.Int).SetString(c.sk, 10)
		if got := sk.bigInt(); got.Cmp(want) != 0 {
			t.Fatalf("KeyGen(%s) = %s, want %s", c.seed, got, want)
		}
	}
	if _, err := KeyGen(make([]byte, 31), nil); !errors.Is(err, ErrShortIKM) {
		t.Fatalf("short IKM: %v", err)
	}
}

func TestSignVerifyAndPossession(t *testing.T) {
	s := NewScheme()
	sk, err := GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := KeyGen(bytes.Repeat([]byte{7}, 32), nil)
	pk := sk.PublicKey()
	msg := []byte("header sign bytes")
	sig := s.Sign(sk, msg)
	if err := s.Verify(pk, msg, sig); err != nil {
		t.Fatal(err)
	}
	if err := s.Verify(pk, []byte("other"), sig); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("wrong message: %v", err)
	}
	if err := s.Verify(other.PublicKey(), msg, sig); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("wrong key: %v", err)
	}
	pop := s.ProvePossession(sk)
	if err := s.VerifyPossession(pk, pop); err != nil {
		t.Fatal(err)
	}
	if err := s.VerifyPossession(other.PublicKey(), pop); !errors.Is(err, ErrBadPossession) {
		t.Fatalf("pop for other key: %v", err)
	}
	// A message signature over the key bytes is not a proof of possession
	// (distinct tags), and a proof is not a message signature.
	pkb := pk.Bytes()
	if err := s.VerifyPossession(pk, s.Sign(sk, pkb[:])); !errors.Is(err, ErrBadPossession) {
		t.Fatalf("signature used as PoP: %v", err)
	}
	if err := s.Verify(pk, pkb[:], pop); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("PoP used as signature: %v", err)
	}
}

func TestRogueKeyNeedsPossession(t *testing.T) {
	// The classic rogue-key attack: the attacker publishes
	// pk_r = a*G1 - pk_honest, so pk_r + pk_honest = a*G1 and the attacker
	// alone forges an "aggregate" of both. Aggregate verification accepts
	// it, which is why every key must carry a proof of possession, and the
	// attacker cannot make one for pk_r.
	s := NewScheme()
	honest, _ := KeyGen(bytes.Repeat([]byte{1}, 32), nil)
	attacker, _ := KeyGen(bytes.Repeat([]byte{2}, 32), nil)
	var rogue bls12381.G1Affine
	ap := attacker.PublicKey().p
	hp := honest.PublicKey().p
	rogue.Sub(&ap, &hp)
	rogueBytes := rogue.Bytes()
	roguePK, err := PublicKeyFromBytes(rogueBytes[:])
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("block 7")
	var agg Aggregator
	agg.Add(honest.PublicKey())
	agg.Add(roguePK)
	forged := s.Sign(attacker, msg)
	if err := s.VerifyAggregate(&agg, msg, forged); err != nil {
		t.Fatalf("the rogue aggregate should verify without PoP checks: %v", err)
	}
	// The attacker's best PoP attempts: its own PoP, or signing the rogue
	// key's bytes with its own secret.
	for _, pop := range []*Signature{s.ProvePossession(attacker), s.Sign(attacker, rogueBytes[:])} {
		if err := s.VerifyPossession(roguePK, pop); !errors.Is(err, ErrBadPossession) {
			t.Fatalf("rogue PoP accepted: %v", err)
		}
	}
}

func TestAggregateAndBatch(t *testing.T) {
	s := NewScheme()
	const n = 5
	var sks []*SecretKey
	var pks []*PublicKey
	var pops []*Signature
	for i := 0; i < n; i++ {
		sk, _ := KeyGen(bytes.Repeat([]byte{byte(i + 10)}, 32), nil)
		sks = append(sks, sk)
		pks = append(pks, sk.PublicKey())
		pops = append(pops, s.ProvePossession(sk))
	}
	if err := s.VerifyPossessions(pks, pops, rand.Reader); err != nil {
		t.Fatal(err)
	}
	bad := append([]*Signature{}, pops...)
	bad[3] = pops[2]
	var pe *PossessionError
	if err := s.VerifyPossessions(pks, bad, rand.Reader); !errors.As(err, &pe) || !errors.Is(err, ErrBadPossession) {
		t.Fatalf("swapped PoP: %v", err)
	}
	if pe.Index != 3 {
		t.Fatalf("first bad PoP index = %d, want 3", pe.Index)
	}

	var checks []AggregateCheck
	for m := 0; m < 3; m++ {
		msg := []byte{byte(m)}
		var agg Aggregator
		var sigs []*Signature
		for i := m; i < n; i++ {
			agg.Add(pks[i])
			sigs = append(sigs, s.Sign(sks[i], msg))
		}
		aggSig := AggregateSignatures(sigs...)
		if err := s.VerifyAggregate(&agg, msg, aggSig); err != nil {
			t.Fatal(err)
		}
		checks = append(checks, AggregateCheck{Keys: &agg, Message: msg, Signature: aggSig})
	}
	if err := s.VerifyAggregates(checks, rand.Reader); err != nil {
		t.Fatal(err)
	}
	// Swapping two signatures breaks both items; the first is reported.
	checks[1].Signature, checks[2].Signature = checks[2].Signature, checks[1].Signature
	var be *BatchError
	if err := s.VerifyAggregates(checks, rand.Reader); !errors.As(err, &be) || be.Index != 1 || !errors.Is(err, ErrBadSignature) {
		t.Fatalf("swapped batch: %v", err)
	}
	if err := s.VerifyAggregate(&Aggregator{}, nil, checks[0].Signature); !errors.Is(err, ErrNoKeys) {
		t.Fatalf("empty aggregate: %v", err)
	}
}

// encodings of invalid points, built from the field modulus and gnark's
// out-of-subgroup generators rather than pasted bytes.
func invalidG1(t *testing.T) map[string][]byte {
	t.Helper()
	sk, _ := KeyGen(bytes.Repeat([]byte{3}, 32), nil)
	good := sk.PublicKey().Bytes()
	out := map[string][]byte{}
	out["short"] = good[:47]
	out["long"] = append(good[:], 0)
	unc := good
	unc[0] &^= 0x80
	out["uncompressed flag"] = unc[:]
	inf := make([]byte, 48)
	inf[0] = 0xc0
	out["infinity"] = inf
	infDirty := append([]byte{}, inf...)
	infDirty[47] = 1
	out["infinity with bits"] = infDirty
	all := make([]byte, 48)
	all[0] = 0xe0
	out["flags 111"] = all
	mod := fp.Modulus().FillBytes(make([]byte, 48))
	mod[0] |= 0x80
	out["x = p"] = mod
	// x with no y on the curve.
	for x := uint64(1); ; x++ {
		var fx, y2 fp.Element
		fx.SetUint64(x)
		y2.Square(&fx).Mul(&y2, &fx)
		var four fp.Element
		four.SetUint64(4)
		y2.Add(&y2, &four)
		if y2.Legendre() == -1 {
			b := fx.Bytes()
			b[0] |= 0x80
			out["x off curve"] = b[:]
			break
		}
	}
	var f fp.Element
	f.SetUint64(12345)
	j := bls12381.GeneratePointNotInG1(f)
	var a bls12381.G1Affine
	a.FromJacobian(&j)
	if a.IsInSubGroup() || !a.IsOnCurve() {
		t.Fatal("test point should be on the curve and outside G1")
	}
	ab := a.Bytes()
	out["not in subgroup"] = ab[:]
	return out
}

func TestPublicKeyDecodingRejects(t *testing.T) {
	for name, b := range invalidG1(t) {
		t.Run(name, func(t *testing.T) {
			_, err := PublicKeyFromBytes(b)
			if !errors.Is(err, ErrPublicKey) {
				t.Fatalf("err = %v, want ErrPublicKey", err)
			}
			switch name {
			case "infinity":
				if !errors.Is(err, ErrIdentity) {
					t.Fatalf("want ErrIdentity: %v", err)
				}
			case "not in subgroup":
				if !errors.Is(err, ErrSubgroup) {
					t.Fatalf("want ErrSubgroup: %v", err)
				}
			}
		})
	}
}

func TestSignatureDecodingRejects(t *testing.T) {
	s := NewScheme()
	sk, _ := KeyGen(bytes.Repeat([]byte{4}, 32), nil)
	good := s.Sign(sk, []byte("m")).Bytes()
	var e2 bls12381.E2
	e2.A0.SetUint64(99)
	j := bls12381.GeneratePointNotInG2(e2)
	var a bls12381.G2Affine
	a.FromJacobian(&j)
	if a.IsInSubGroup() || !a.IsOnCurve() {
		t.Fatal("test point should be on the curve and outside G2")
	}
	outside := a.Bytes()
	inf := make([]byte, 96)
	inf[0] = 0xc0
	unc := good
	unc[0] &^= 0x80
	mod := make([]byte, 96)
	fp.Modulus().FillBytes(mod[:48])
	mod[0] |= 0x80
	cases := map[string]struct {
		b    []byte
		want error
	}{
		"short":           {good[:95], ErrSignatureEncoding},
		"long":            {append(good[:], 1), ErrSignatureEncoding},
		"uncompressed":    {unc[:], ErrSignatureEncoding},
		"infinity":        {inf, ErrIdentity},
		"x.c1 = p":        {mod, ErrSignatureEncoding},
		"not in subgroup": {outside[:], ErrSubgroup},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := SignatureFromBytes(c.b)
			if !errors.Is(err, ErrSignatureEncoding) || !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
		})
	}
	if _, err := SignatureFromBytes(good[:]); err != nil {
		t.Fatal(err)
	}
}

func TestSecretKeyDecoding(t *testing.T) {
	if _, err := SecretKeyFromBytes(make([]byte, 32)); !errors.Is(err, ErrSecretKey) {
		t.Fatalf("zero: %v", err)
	}
	if _, err := SecretKeyFromBytes(fr.Modulus().FillBytes(make([]byte, 32))); !errors.Is(err, ErrSecretKey) {
		t.Fatalf("r: %v", err)
	}
	if _, err := SecretKeyFromBytes(make([]byte, 31)); !errors.Is(err, ErrSecretKey) {
		t.Fatalf("short: %v", err)
	}
	sk, _ := KeyGen(bytes.Repeat([]byte{5}, 32), nil)
	b := sk.Bytes()
	back, err := SecretKeyFromBytes(b[:])
	if err != nil || !back.PublicKey().Equal(sk.PublicKey()) {
		t.Fatalf("round trip: %v", err)
	}
}

func FuzzPublicKeyFromBytes(f *testing.F) {
	sk, _ := KeyGen(bytes.Repeat([]byte{6}, 32), nil)
	good := sk.PublicKey().Bytes()
	f.Add(good[:])
	f.Add(make([]byte, 48))
	inf := make([]byte, 48)
	inf[0] = 0xc0
	f.Add(inf)
	f.Fuzz(func(t *testing.T, b []byte) {
		pk, err := PublicKeyFromBytes(b)
		if err != nil {
			return
		}
		// Whatever decodes re-encodes to the same bytes and is a valid key.
		if got := pk.Bytes(); !bytes.Equal(got[:], b) {
			t.Fatalf("non-canonical accepted: %x -> %x", b, got)
		}
		if !pk.p.IsInSubGroup() || pk.p.IsInfinity() {
			t.Fatal("invalid point accepted")
		}
	})
}

func FuzzSignatureFromBytes(f *testing.F) {
	s := NewScheme()
	sk, _ := KeyGen(bytes.Repeat([]byte{6}, 32), nil)
	good := s.Sign(sk, []byte("seed")).Bytes()
	f.Add(good[:])
	f.Add(make([]byte, 96))
	f.Fuzz(func(t *testing.T, b []byte) {
		sig, err := SignatureFromBytes(b)
		if err != nil {
			return
		}
		if got := sig.Bytes(); !bytes.Equal(got[:], b) {
			t.Fatalf("non-canonical accepted: %x -> %x", b, got)
		}
		if !sig.p.IsInSubGroup() || sig.p.IsInfinity() {
			t.Fatal("invalid point accepted")
		}
	})
}

func FuzzSecretKeyFromBytes(f *testing.F) {
	f.Add(make([]byte, 32))
	f.Add(bytes.Repeat([]byte{0xff}, 32))
	f.Fuzz(func(t *testing.T, b []byte) {
		sk, err := SecretKeyFromBytes(b)
		if err != nil {
			return
		}
		if got := sk.Bytes(); !bytes.Equal(got[:], b) {
			t.Fatalf("non-canonical accepted: %x", b)
		}
	})
}

func BenchmarkVerifyAggregate64(b *testing.B) {
	s := NewScheme()
	msg := []byte("bench")
	var agg Aggregator
	var sigs []*Signature
	for i := 0; i < 64; i++ {
		sk, _ := KeyGen(bytes.Repeat([]byte{byte(i)}, 32), nil)
		agg.Add(sk.PublicKey())
		sigs = append(sigs, s.Sign(sk, msg))
	}
	sig := AggregateSignatures(sigs...)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.VerifyAggregate(&agg, msg, sig); err != nil {
			b.Fatal(err)
		}
	}
}
