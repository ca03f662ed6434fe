// Command gen converts the npm package @ip-location-db/asn into the table
// file internal/ipasn embeds: go run ./internal/ipasn/gen PACKAGE_DIR OUT.
package main

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spoor/spoor/internal/ipasn"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: gen PACKAGE_DIR OUT")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "ipasn gen:", err)
		os.Exit(1)
	}
}

func run(dir, out string) error {
	var pkg struct {
		Version string `json:"version"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, &pkg); err != nil {
		return fmt.Errorf("package.json: %w", err)
	}
	v4, err := os.Open(filepath.Join(dir, "asn-ipv4-num.csv"))
	if err != nil {
		return err
	}
	defer v4.Close()
	v6, err := os.Open(filepath.Join(dir, "asn-ipv6.csv"))
	if err != nil {
		return err
	}
	defer v6.Close()
	t, err := ipasn.FromCSV(v4, v6, pkg.Version)
	if err != nil {
		return err
	}
	tmp := out + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	if err := t.Write(zw); err != nil {
		f.Close()
		return err
	}
	if err := zw.Close(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Printf("%s: %d ranges, dataset %s\n", out, t.Len(), pkg.Version)
	return os.Rename(tmp, out)
}
