// Package sampletest writes Windows PE files for tests: small, without
// imports, never meant to run.
package sampletest

import (
	"bytes"
	"debug/pe"
	"encoding/binary"
)

// BuildPE writes a minimal PE32 by hand: DOS header, PE signature, file
// header with the given stamp, a 224-byte optional header and one .data
// section holding body.
func BuildPE(stamp uint32, body []byte) []byte {
	var b bytes.Buffer
	dos := make([]byte, 0x40)
	copy(dos, "MZ")
	binary.LittleEndian.PutUint32(dos[0x3c:], 0x40)
	b.Write(dos)
	b.WriteString("PE\x00\x00")
	w := func(v any) {
		// Writing fixed-size structs to a bytes.Buffer cannot fail.
		_ = binary.Write(&b, binary.LittleEndian, v)
	}
	w(pe.FileHeader{Machine: pe.IMAGE_FILE_MACHINE_I386, NumberOfSections: 1, TimeDateStamp: stamp,
		SizeOfOptionalHeader: 224, Characteristics: 0x0102})
	w(pe.OptionalHeader32{Magic: 0x10b, AddressOfEntryPoint: 0x1000, ImageBase: 0x400000,
		SectionAlignment: 0x1000, FileAlignment: 0x200, SizeOfImage: 0x2000, SizeOfHeaders: 0x200,
		Subsystem: 2, NumberOfRvaAndSizes: 16})
	raw := uint32((len(body) + 0x1ff) &^ 0x1ff)
	var name [8]uint8
	copy(name[:], ".data")
	w(pe.SectionHeader32{Name: name, VirtualSize: uint32(len(body)), VirtualAddress: 0x1000,
		SizeOfRawData: raw, PointerToRawData: 0x200, Characteristics: 0xC0000040})
	b.Write(make([]byte, 0x200-b.Len()))
	b.Write(body)
	b.Write(make([]byte, int(raw)-len(body)))
	return b.Bytes()
}
