package main

import (
	"bytes"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// leb is an unsigned LEB128.
func leb(v uint32) []byte {
	var b []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			b = append(b, c|0x80)
			continue
		}
		return append(b, c)
	}
}

func name(s string) []byte { return append(leb(uint32(len(s))), s...) }

func section(id byte, payload ...[]byte) []byte {
	p := bytes.Join(payload, nil)
	return append(append([]byte{id}, leb(uint32(len(p)))...), p...)
}

func vec(items ...[]byte) []byte {
	return append(leb(uint32(len(items))), bytes.Join(items, nil)...)
}

// tinyModule is a hand-made module shaped like Go's output: one imported
// function, two defined ones (bodies of 2 and 4 bytes, indexes 1 and 2),
// an active and a passive data segment (3 + 2 bytes), and a name section,
// after a module-name subsection the parser must skip, naming the import,
// function 1 and function thirdIdx.
func tinyModule(thirdIdx uint32) []byte {
	funcType := []byte{0x60, 0, 0} // func() -> ()
	names := vec(
		append(leb(0), name("runtime.wasmImport")...),
		append(leb(1), name("main.main")...),
		append(leb(thirdIdx), name("github.com_pion_ice_v4.__Agent_.Start")...),
	)
	return bytes.Join([][]byte{
		[]byte("\x00asm\x01\x00\x00\x00"),
		section(secCustom, name("go:buildid"), []byte("id")),
		section(1, vec(funcType)),
		section(secImport, vec(bytes.Join([][]byte{name("go"), name("debug"), {0x00}, leb(0)}, nil))),
		section(3, vec(leb(0), leb(0))),
		section(secCode, vec(
			append(leb(2), 0x00, 0x0b),             // no locals; end
			append(leb(4), 0x00, 0x01, 0x01, 0x0b), // no locals; nop nop end
		)),
		section(secData, vec(
			bytes.Join([][]byte{leb(0), {0x41}, {0x90, 0x01}, {0x0b}, name("abc")}, nil), // active at i32.const 144
			bytes.Join([][]byte{leb(1), name("de")}, nil),                                // passive
		)),
		section(secCustom, name("name"),
			section(0, name("tiny")), // module name: skipped
			section(1, names),
		),
	}, nil)
}

func TestParseTinyModule(t *testing.T) {
	b := tinyModule(200)
	m, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if m.Size != len(b) || m.ImportedFuncs != 1 || m.DataSegments != 2 || m.DataBytes != 5 {
		t.Fatalf("size %d imported %d segments %d data %d", m.Size, m.ImportedFuncs, m.DataSegments, m.DataBytes)
	}
	want := []Func{
		{Index: 1, Name: "main.main", Body: []byte{0x00, 0x0b}},
		{Index: 2, Name: "", Body: []byte{0x00, 0x01, 0x01, 0x0b}}, // index 200 is named, not 2
	}
	if len(m.Funcs) != len(want) {
		t.Fatalf("%d functions, want %d", len(m.Funcs), len(want))
	}
	for i, f := range m.Funcs {
		if f.Index != want[i].Index || f.Name != want[i].Name || !bytes.Equal(f.Body, want[i].Body) {
			t.Errorf("function %d: %+v, want %+v", i, f, want[i])
		}
	}
	var labels []string
	for _, s := range m.Sections {
		labels = append(labels, s.Label())
	}
	if got := strings.Join(labels, ","); got != `custom "go:buildid",type,import,function,code,data,custom "name"` {
		t.Fatalf("sections %s", got)
	}
}

func TestParseRejects(t *testing.T) {
	good := tinyModule(2)
	header := good[:8]
	cases := map[string][]byte{
		"empty":             nil,
		"no magic":          []byte("\x00wasm\x01\x00\x00\x00"),
		"version 2":         []byte("\x00asm\x02\x00\x00\x00"),
		"truncated":         good[:len(good)-3],
		"section too long":  append(bytes.Clone(header), 10, 0x80, 0x80, 0x04),
		"u32 of six bytes":  append(bytes.Clone(header), 1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00),
		"u32 over 32 bits":  append(bytes.Clone(header), 1, 0xff, 0xff, 0xff, 0xff, 0x7f),
		"code count":        append(bytes.Clone(header), section(secCode, leb(1000))...),
		"code trailing":     append(bytes.Clone(header), section(secCode, vec(append(leb(1), 0x0b)), []byte{0})...),
		"import kind":       append(bytes.Clone(header), section(secImport, vec(bytes.Join([][]byte{name("a"), name("b"), {0x09}}, nil)))...),
		"data flag":         append(bytes.Clone(header), section(secData, vec(leb(7)))...),
		"data offset":       append(bytes.Clone(header), section(secData, vec(bytes.Join([][]byte{leb(0), {0x99}}, nil)))...),
		"custom name":       append(bytes.Clone(header), section(secCustom, leb(5), []byte("ab"))...),
		"name entry":        append(bytes.Clone(header), section(secCustom, name("name"), section(1, vec(append(leb(0), leb(9)...))))...),
		"names trailing":    append(bytes.Clone(header), section(secCustom, name("name"), section(1, vec(), []byte{1}))...),
		"name subsection":   append(bytes.Clone(header), section(secCustom, name("name"), []byte{1, 9})...),
		"function body len": append(bytes.Clone(header), section(secCode, vec(leb(5)))...),
	}
	for what, b := range cases {
		if m, err := Parse(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, %v; want ErrMalformed", what, m, err)
		}
	}
}

// groups reads the table of a report: group (or function) -> code bytes.
func groups(t *testing.T, report string) map[string]string {
	t.Helper()
	_, table, ok := strings.Cut(report, "code bytes")
	if !ok {
		t.Fatalf("no table in\n%s", report)
	}
	out := map[string]string{}
	for _, line := range strings.Split(table, "\n")[1:] {
		f := strings.Fields(line)
		switch {
		case len(f) == 0:
		case strings.Contains(line, "more groups)"):
			out["(more)"] = f[0]
		case strings.Contains(line, "total code"):
			out["(total)"] = f[0]
		default:
			out[f[5]] = f[0]
		}
	}
	return out
}

func TestRunReportsPackages(t *testing.T) {
	namer := NewNamer([]Package{{ImportPath: "github.com/pion/ice/v4", Module: "github.com/pion/ice"}})
	for _, tc := range []struct {
		third uint32
		o     options
		want  map[string]string
	}{
		{2, options{}, map[string]string{"github.com/pion/ice/v4": "4", "main": "2", "(total)": "6"}},
		{2, options{byModule: true}, map[string]string{"github.com/pion/ice": "4", "main": "2", "(total)": "6"}},
		{2, options{match: "pion"}, map[string]string{"github.com/pion/ice/v4": "4", "(total)": "4"}},
		{2, options{top: 1}, map[string]string{"github.com/pion/ice/v4": "4", "(more)": "2", "(total)": "6"}},
		{2, options{funcs: true}, map[string]string{"github.com_pion_ice_v4.__Agent_.Start": "4", "main.main": "2", "(total)": "6"}},
		{200, options{}, map[string]string{"<unnamed>": "4", "main": "2", "(total)": "6"}},
	} {
		path := filepath.Join(t.TempDir(), "tiny.wasm")
		if err := os.WriteFile(path, tinyModule(tc.third), 0o644); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := run(&out, path, namer, tc.o); err != nil {
			t.Fatal(err)
		}
		if got := groups(t, out.String()); !maps.Equal(got, tc.want) {
			t.Errorf("%+v: %v, want %v\n%s", tc.o, got, tc.want, out.String())
		}
	}
}

func TestRunNeedsNames(t *testing.T) {
	b := tinyModule(2)
	m, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	// Drop the name section (the last one), as -ldflags=-s does.
	last := m.Sections[len(m.Sections)-1]
	stripped := b[:len(b)-last.Size-1-len(leb(uint32(last.Size)))]
	path := filepath.Join(t.TempDir(), "stripped.wasm")
	if err := os.WriteFile(path, stripped, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(new(bytes.Buffer), path, NewNamer(nil), options{}); !errors.Is(err, errNoNames) {
		t.Fatalf("stripped module: %v, want errNoNames", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(tinyModule(2))
	f.Add([]byte("\x00asm\x01\x00\x00\x00"))
	f.Add([]byte("\x00asm\x01\x00\x00\x00\x0a\x80\x80\x80\x80\x10"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		// What parses is consistent: sections fit the file and bodies
		// lie inside it.
		total := 8
		for _, s := range m.Sections {
			total += 1 + len(leb(uint32(s.Size))) + s.Size
		}
		if total > len(b) {
			t.Fatalf("sections cover %d bytes of %d", total, len(b))
		}
		for _, fn := range m.Funcs {
			if len(fn.Body) > len(b) {
				t.Fatal("body larger than the file")
			}
		}
	})
}
