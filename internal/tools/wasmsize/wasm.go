package main

import (
	"bytes"
	"errors"
	"fmt"
)

// ErrMalformed is returned (wrapped with where the parser stopped) for
// bytes that are not a well-formed WebAssembly binary module.
var ErrMalformed = errors.New("wasmsize: malformed wasm module")

// Section ids of the WebAssembly binary format (core spec, 5.5).
const (
	secCustom = 0
	secImport = 2
	secCode   = 10
	secData   = 11
)

// Module is what the size report needs from a wasm binary.
type Module struct {
	Size     int       // bytes of the whole file
	Sections []Section // in file order
	// Funcs are the defined functions (the code section's bodies), in
	// index order; Name is empty when the name section does not name it.
	Funcs []Func
	// ImportedFuncs counts function imports: they come first in the
	// function index space, so defined function i has index
	// ImportedFuncs+i.
	ImportedFuncs int
	DataSegments  int // entries of the data section
	DataBytes     int // payload bytes of the data segments
}

// Section is one section of the file.
type Section struct {
	ID   byte
	Name string // custom sections only
	Size int    // payload bytes, without the id and size header
}

// Func is one defined function.
type Func struct {
	Index uint32 // in the function index space
	Name  string
	Body  []byte // locals and code (aliases the parsed input)
}

// Label names a section for the report.
func (s Section) Label() string {
	names := [...]string{"custom", "type", "import", "function", "table", "memory", "global", "export", "start", "element", "code", "data", "datacount", "tag"}
	if s.ID == secCustom {
		return fmt.Sprintf("custom %q", s.Name)
	}
	if int(s.ID) < len(names) {
		return names[s.ID]
	}
	return fmt.Sprintf("section %d", s.ID)
}

// reader decodes the binary format's primitives; the first error sticks
// and every later read returns zero values.
type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: at byte %d: %s", ErrMalformed, r.off, fmt.Sprintf(format, args...))
	}
}

func (r *reader) done() bool { return r.err != nil || r.off >= len(r.b) }

func (r *reader) byte() byte {
	if r.err != nil {
		return 0
	}
	if r.off >= len(r.b) {
		r.fail("unexpected end")
		return 0
	}
	c := r.b[r.off]
	r.off++
	return c
}

// u32 reads an unsigned LEB128 of at most 5 bytes that fits 32 bits.
func (r *reader) u32() uint32 {
	var v uint32
	for i := 0; i < 5; i++ {
		c := r.byte()
		if r.err != nil {
			return 0
		}
		if i == 4 && c > 0x0f {
			r.fail("u32 overflows 32 bits")
			return 0
		}
		v |= uint32(c&0x7f) << (7 * i)
		if c&0x80 == 0 {
			return v
		}
	}
	r.fail("u32 longer than 5 bytes")
	return 0
}

// bytes returns the next n bytes (aliasing the input).
func (r *reader) bytes(n uint32) []byte {
	if r.err != nil {
		return nil
	}
	if uint64(n) > uint64(len(r.b)-r.off) {
		r.fail("%d bytes announced, %d left", n, len(r.b)-r.off)
		return nil
	}
	out := r.b[r.off : r.off+int(n)]
	r.off += int(n)
	return out
}

func (r *reader) name() string { return string(r.bytes(r.u32())) }

// expr skips a constant expression (an active data segment's offset):
// the instructions a Go, LLVM or hand-written module uses there, up to
// the end opcode.
func (r *reader) expr() {
	for r.err == nil {
		switch op := r.byte(); op {
		case 0x0b: // end
			return
		case 0x41: // i32.const (signed LEB128, at most 5 bytes)
			r.sleb(5)
		case 0x42: // i64.const
			r.sleb(10)
		case 0x23: // global.get
			r.u32()
		case 0x6a, 0x6b, 0x6c, 0x7c, 0x7d, 0x7e: // extended-const add, sub, mul
		default:
			if r.err == nil {
				r.fail("opcode 0x%02x in a constant expression", op)
			}
		}
	}
}

func (r *reader) sleb(max int) {
	for i := 0; i < max; i++ {
		if r.byte()&0x80 == 0 {
			return
		}
	}
	r.fail("signed LEB128 longer than %d bytes", max)
}

// Parse decodes the parts of a wasm binary the report needs: the sections,
// the function imports, the code section's bodies, the data section's
// segments and the "name" section's function names. A malformed name
// section is an error too: a report with wrong names would mislead.
func Parse(b []byte) (*Module, error) {
	if len(b) < 8 || !bytes.Equal(b[:4], []byte("\x00asm")) {
		return nil, fmt.Errorf("%w: no \\0asm magic", ErrMalformed)
	}
	if !bytes.Equal(b[4:8], []byte{1, 0, 0, 0}) {
		return nil, fmt.Errorf("%w: version %x, want 1", ErrMalformed, b[4:8])
	}
	m := &Module{Size: len(b)}
	r := &reader{b: b, off: 8}
	var names map[uint32]string
	for !r.done() {
		id := r.byte()
		payload := r.bytes(r.u32())
		if r.err != nil {
			return nil, r.err
		}
		sr := &reader{b: payload}
		s := Section{ID: id, Size: len(payload)}
		var err error
		switch id {
		case secCustom:
			s.Name = sr.name()
			if sr.err == nil && s.Name == "name" {
				names, err = parseNames(sr.b[sr.off:])
			}
		case secImport:
			m.ImportedFuncs, err = parseImports(sr)
		case secCode:
			m.Funcs, err = parseCode(sr)
		case secData:
			m.DataSegments, m.DataBytes, err = parseData(sr)
		}
		if err == nil {
			err = sr.err
		}
		if err != nil {
			return nil, fmt.Errorf("section %s at byte %d: %w", s.Label(), r.off-len(payload), err)
		}
		m.Sections = append(m.Sections, s)
	}
	for i := range m.Funcs {
		m.Funcs[i].Index = uint32(m.ImportedFuncs + i)
		m.Funcs[i].Name = names[m.Funcs[i].Index]
	}
	return m, nil
}

func parseImports(r *reader) (int, error) {
	funcs := 0
	for n := r.u32(); n > 0 && r.err == nil; n-- {
		r.name() // module
		r.name() // field
		switch kind := r.byte(); kind {
		case 0x00: // function: type index
			r.u32()
			funcs++
		case 0x01: // table: reference type, limits
			r.byte()
			r.limits()
		case 0x02: // memory: limits
			r.limits()
		case 0x03: // global: value type, mutability
			r.byte()
			r.byte()
		case 0x04: // tag: attribute, type index
			r.byte()
			r.u32()
		default:
			r.fail("import kind 0x%02x", kind)
		}
	}
	if r.err == nil && r.off != len(r.b) {
		r.fail("%d trailing bytes", len(r.b)-r.off)
	}
	return funcs, r.err
}

func (r *reader) limits() {
	switch flag := r.byte(); flag {
	case 0x00:
		r.u32()
	case 0x01:
		r.u32()
		r.u32()
	default:
		r.fail("limits flag 0x%02x", flag)
	}
}

func parseCode(r *reader) ([]Func, error) {
	n := r.u32()
	if uint64(n) > uint64(len(r.b)) { // each body takes at least one byte
		r.fail("%d functions announced in %d bytes", n, len(r.b))
		return nil, r.err
	}
	funcs := make([]Func, 0, n)
	for ; n > 0 && r.err == nil; n-- {
		body := r.bytes(r.u32())
		funcs = append(funcs, Func{Body: body})
	}
	if r.err == nil && r.off != len(r.b) {
		r.fail("%d trailing bytes", len(r.b)-r.off)
	}
	return funcs, r.err
}

func parseData(r *reader) (segments, size int, err error) {
	for n := r.u32(); n > 0 && r.err == nil; n-- {
		switch flag := r.u32(); flag {
		case 0: // active, memory 0
			r.expr()
		case 1: // passive
		case 2: // active, explicit memory
			r.u32()
			r.expr()
		default:
			r.fail("data segment flag %d", flag)
		}
		size += len(r.bytes(r.u32()))
		segments++
	}
	if r.err == nil && r.off != len(r.b) {
		r.fail("%d trailing bytes", len(r.b)-r.off)
	}
	return segments, size, r.err
}

// parseNames reads the function names (subsection 1) of a "name" custom
// section and skips the other subsections.
func parseNames(b []byte) (map[uint32]string, error) {
	names := map[uint32]string{}
	r := &reader{b: b}
	for !r.done() {
		id := r.byte()
		sub := &reader{b: r.bytes(r.u32())}
		if r.err != nil || id != 1 {
			continue
		}
		for n := sub.u32(); n > 0 && sub.err == nil; n-- {
			idx := sub.u32()
			names[idx] = sub.name()
		}
		if sub.err == nil && sub.off != len(sub.b) {
			sub.fail("%d trailing bytes in the function names", len(sub.b)-sub.off)
		}
		if sub.err != nil {
			return nil, fmt.Errorf("name section: %w", sub.err)
		}
	}
	return names, r.err
}
