package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/spoor/spoor/internal/ioc"
)

func main() {
	b, _ := os.ReadFile(os.Args[1])
	for _, m := range ioc.Extract(string(b), ioc.DefaultOptions()) {
		if m.Value == os.Args[2] {
			j, _ := json.Marshal(m)
			fmt.Println(string(j), string(b[max(0, m.Offset-60):m.Offset]))
		}
	}
}
