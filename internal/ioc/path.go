package ioc

import (
	"bytes"
	"slices"
	"strings"
)

// Files, paths and registry keys. Reports name many files that are not
// indicators (every tool, config and screenshot), so the rules are narrow:
// a file name or path counts only when it ends in an extension of a file
// that runs, opens a macro or carries a payload (fileNameExts); Unix paths
// must start at a system directory; registry keys at a hive.

// fileNameExts are the extensions of file names and paths reported:
// executables, scripts, macro-capable documents, disk images and archives.
// Extensions that are also common words or libraries (.com, .so, .pl) are
// left out.
var fileNameExts = map[string]bool{
	// executables and libraries
	"exe": true, "dll": true, "scr": true, "sys": true, "cpl": true, "ocx": true, "drv": true,
	"pif": true, "msi": true, "msp": true, "msc": true, "jar": true, "apk": true, "dmg": true,
	"elf": true, "bin": true, "dylib": true, "appx": true, "msix": true, "xll": true,
	// scripts
	"bat": true, "cmd": true, "ps1": true, "psm1": true, "psd1": true, "vbs": true, "vbe": true,
	"js": true, "jse": true, "wsf": true, "wsh": true, "hta": true, "sh": true, "py": true,
	"php": true, "asp": true, "aspx": true, "jsp": true, "reg": true, "inf": true, "scf": true,
	// documents that run macros or links
	"doc": true, "docx": true, "docm": true, "dot": true, "dotm": true, "xls": true, "xlsx": true,
	"xlsm": true, "xlsb": true, "xlam": true, "ppt": true, "pptx": true, "pptm": true, "ppsm": true,
	"rtf": true, "pdf": true, "one": true, "lnk": true, "chm": true, "url": true, "library-ms": true,
	// disk images and archives
	"iso": true, "img": true, "vhd": true, "vhdx": true, "zip": true, "rar": true, "7z": true,
	"cab": true, "ace": true, "gz": true, "tgz": true,
}

// jsLibraries are names that end in .js in prose as products, not files.
var jsLibraries = map[string]bool{
	"node": true, "next": true, "vue": true, "react": true, "angular": true, "express": true,
	"three": true, "d3": true, "chart": true, "nuxt": true, "ember": true, "backbone": true,
	"svelte": true, "alpine": true, "require": true, "moment": true, "socket": true, "deno": true,
}

// fileExtFirst marks the first letters of fileNameExts (either case), so
// that most dotted words are passed over before the map is asked.
var fileExtFirst = func() (t [256]bool) {
	for x := range fileNameExts {
		t[x[0]] = true
		if 'a' <= x[0] && x[0] <= 'z' {
			t[x[0]-'a'+'A'] = true
		}
	}
	return t
}()

// fileExt reports whether name ends in one of fileNameExts written in one
// case ("PDF" or "pdf", not "Pdf": a capital after a dot is a glued
// sentence or a code member), and how long the extension is.
func fileExt(name []byte) (int, bool) {
	d := bytes.LastIndexByte(name, '.')
	if d <= 0 || len(name)-d-1 > 10 || len(name)-d-1 < 1 || !fileExtFirst[name[d+1]] {
		return 0, false
	}
	ext := name[d+1:]
	var buf [10]byte
	var upper, lower bool
	for i, b := range ext {
		switch {
		case 'A' <= b && b <= 'Z':
			upper = true
			b |= 0x20
		case 'a' <= b && b <= 'z':
			lower = true
		}
		buf[i] = b
	}
	if upper && lower {
		return 0, false
	}
	return len(ext), fileNameExts[string(buf[:len(ext)])]
}

// fileName reports whether the sub-token clean[s:t] is a file name with one
// of fileNameExts and emits it as written. A name that is a hash with an
// extension (d41d8cd9….exe, as sandboxes name samples) is left to the
// hash.
func (e *engine) fileName(s, t int) bool {
	c := e.clean
	name := c[s:t]
	if len(name) > 255 || len(name) < 3 {
		return false
	}
	n, ok := fileExt(name)
	if !ok {
		return false
	}
	ext := name[len(name)-n:]
	stem := name[:len(name)-n-1]
	if i := bytes.IndexByte(stem, '.'); i >= 0 {
		stem = stem[:i]
	}
	if n := len(stem); (n == 32 || n == 40 || n == 64 || n == 128) && isHex(stem) {
		return false
	}
	if eqFold(ext, "js") && len(stem) <= 8 && inLower(jsLibraries, stem) {
		return false
	}
	if cls[stem[0]]&(cAlpha|cDigit) == 0 && stem[0] != '_' {
		return false
	}
	if _, spaced := e.rewritten(s, t); spaced {
		return false // "a dot doc" is prose; Sobhi[.]exe is a file
	}
	e.emit(TypeFileName, s, t, string(name), 0, "")
	return true
}

func isHex(b []byte) bool {
	for _, x := range b {
		if cls[x]&(cHex|cDigit) == 0 {
			return false
		}
	}
	return true
}

// unixRoots are the first directories of the Unix paths reported. Files
// under /tmp, /var/tmp and /dev/shm are reported whatever their name, as
// malware drops extension-less binaries there.
var unixRoots = map[string]bool{
	"tmp": true, "var": true, "etc": true, "usr": true, "bin": true, "sbin": true, "home": true,
	"root": true, "opt": true, "lib": true, "lib64": true, "proc": true, "boot": true, "mnt": true,
	"run": true, "srv": true, "dev": true, "Library": true, "Users": true, "Applications": true,
	"System": true, "private": true, "Volumes": true,
}

// unixPath reports whether the sub-token clean[s:t], which starts with '/',
// is an absolute Unix path of a file and emits it: its first directory one
// of unixRoots and a last part with one of fileNameExts, or any last part
// under /tmp, /var/tmp or /dev/shm.
func (e *engine) unixPath(s, t int) bool {
	c := e.clean
	for t > s && (c[t-1] == '.' || c[t-1] == ':' || c[t-1] == '-' || c[t-1] == ',') {
		t--
	}
	p := c[s:t]
	if len(p) < 5 {
		return false
	}
	slash := bytes.IndexByte(p[1:], '/') + 1
	if slash <= 1 || !unixRoots[string(p[1:slash])] {
		return false
	}
	last := bytes.LastIndexByte(p, '/')
	base := p[last+1:]
	if len(base) == 0 || bytes.Contains(p, []byte("//")) {
		return false
	}
	drop := bytes.HasPrefix(p, []byte("/tmp/")) || bytes.HasPrefix(p, []byte("/var/tmp/")) || bytes.HasPrefix(p, []byte("/dev/shm/"))
	if _, ok := fileExt(base); !ok && !drop {
		return false
	}
	e.emit(TypeFilePath, s, t, string(p), 0, "")
	return true
}

// hives maps registry hive names (upper case) to their long form.
var hives = map[string]string{
	"HKLM": "HKEY_LOCAL_MACHINE", "HKCU": "HKEY_CURRENT_USER", "HKCR": "HKEY_CLASSES_ROOT",
	"HKU": "HKEY_USERS", "HKCC": "HKEY_CURRENT_CONFIG",
	"HKEY_LOCAL_MACHINE": "HKEY_LOCAL_MACHINE", "HKEY_CURRENT_USER": "HKEY_CURRENT_USER",
	"HKEY_CLASSES_ROOT": "HKEY_CLASSES_ROOT", "HKEY_USERS": "HKEY_USERS",
	"HKEY_CURRENT_CONFIG": "HKEY_CURRENT_CONFIG",
}

// rootKind says what a Windows path starts with.
type rootKind uint8

const (
	rootNone  rootKind = iota
	rootHive           // HKLM\, HKEY_CURRENT_USER\, HKCU:\
	rootDrive          // C:\
	rootEnv            // %APPDATA%\
	rootUNC            // \\host\share\
)

func isWordByte(b byte) bool { return cls[b]&(cAlpha|cDigit) != 0 || b == '_' }

// isEscape reports whether clean[i:i+2] (i >= s) is a string escape of a
// line break or tab (\n, \r, \t), as text copied from JSON or code holds
// around a path.
func isEscape(c []byte, s, i int) bool {
	return i >= s && i+1 < len(c) && c[i] == '\\' && (c[i+1] == 'n' || c[i+1] == 'r' || c[i+1] == 't')
}

// windowsRoot looks for the start of a registry key or Windows path that
// ends at the backslash clean[b], within clean[s:b].
func (e *engine) windowsRoot(s, b int) (int, rootKind) {
	c := e.clean
	if b+1 < len(c) && c[b+1] == '\\' && (b == s || !isWordByte(c[b-1]) && c[b-1] != '\\' && c[b-1] != ':' && c[b-1] != '%') {
		return b, rootUNC
	}
	if b == s {
		return 0, rootNone
	}
	switch p := c[b-1]; {
	case p == ':':
		if b-2 >= s && cls[c[b-2]]&cAlpha != 0 && (b-3 < s || !isWordByte(c[b-3]) || isEscape(c, s, b-4)) {
			return b - 2, rootDrive
		}
		if r, ok := e.hiveAt(s, b-1); ok {
			return r, rootHive
		}
	case p == '%':
		q := b - 2
		for q >= s && q > b-42 && (isWordByte(c[q]) || c[q] == '(' || c[q] == ')') {
			q--
		}
		if q >= s && q < b-2 && c[q] == '%' && (q == s || !isWordByte(c[q-1])) {
			return q, rootEnv
		}
	case isWordByte(p):
		if r, ok := e.hiveAt(s, b); ok {
			return r, rootHive
		}
	}
	return 0, rootNone
}

// hiveAt reports whether the word ending at clean[end] (within clean[s:])
// is a registry hive name, and where it starts.
func (e *engine) hiveAt(s, end int) (int, bool) {
	c := e.clean
	w := end
	for w > s && w > end-20 && isWordByte(c[w-1]) {
		w--
	}
	if w > s && isWordByte(c[w-1]) {
		return 0, false
	}
	if isEscape(c, s, w-1) {
		w++ // "\nHKLM\…": the n is the escape's
	}
	if end-w < 3 {
		return 0, false
	}
	var buf [20]byte
	for i, b := range c[w:end] {
		buf[i] = b &^ 0x20 // upper case; '_' is unchanged and digits match no hive
	}
	_, ok := hives[string(buf[:end-w])]
	return w, ok
}

// backslashed classifies a token that holds a backslash (clean[s:t]): a
// registry key or Windows path in it is reported whole, its parts read as
// parts of a path; everything else is read as if the backslashes were
// delimiters.
func (e *engine) backslashed(s, t int) {
	c := e.clean
	for b := s; b < t; b++ {
		if c[b] != '\\' {
			continue
		}
		r, kind := e.windowsRoot(s, b)
		if kind == rootNone {
			continue
		}
		n0 := len(e.out)
		end, ok := e.windowsPath(r, b, t, kind)
		if !ok {
			continue
		}
		// The text before the root comes first in the output, as it does
		// in the input: windowsPath has emitted the key or path already.
		n1 := len(e.out)
		e.split(s, r)
		if n := len(e.out); n > n1 && n1 > n0 {
			slices.Reverse(e.out[n0:n1])
			slices.Reverse(e.out[n1:n])
			slices.Reverse(e.out[n0:n])
		}
		inPath := e.inPath
		e.inPath = true
		if kind == rootUNC {
			// \\host\share: the host is an indicator of its own.
			h := b
			for h < end && c[h] == '\\' {
				h++
			}
			he := h
			for he < end && c[he] != '\\' {
				he++
			}
			e.inPath = inPath
			e.split(h, he)
			e.inPath = true
			e.split(he, end)
		} else {
			e.split(r, end)
		}
		e.inPath = inPath
		if end < t {
			e.token(end, t, maskOf(c[end:t]))
		}
		return
	}
	e.split(s, t)
}

// split classifies the parts of clean[s:t] between backslashes and joined
// spaces as tokens.
func (e *engine) split(s, t int) {
	c := e.clean
	a := s
	for j := s; j <= t; j++ {
		if j < t && cls[c[j]]&cJoin == 0 {
			continue
		}
		if j > a {
			e.token(a, j, maskOf(c[a:j]))
		}
		a = j + 1
	}
}

// windowsPath finds where the key or path starting at clean[r] (its root
// ending at the backslash clean[b]) ends within the token ending at t, and
// emits it when it is one: a registry key with at least one subkey, a
// named pipe (\\.\pipe\name), or a path whose last part has one of
// fileNameExts.
func (e *engine) windowsPath(r, b, t int, kind rootKind) (int, bool) {
	c := e.clean
	// Trailing punctuation, string escapes ("…\\a.ps1\n": the line break is
	// the string's) and backslashes, in any order, until none is left.
	end := t
	for prev := -1; end != prev; {
		prev = end
		end = trimURL(c, r, end)
		for end > b+2 && isEscape(c, b+1, end-2) {
			end -= 2
		}
		for end > b && c[end-1] == '\\' {
			end--
		}
	}
	if end <= b+1 {
		return 0, false
	}
	rs, re := e.rawPos(r), e.rawPos(end)
	raw := string(e.raw[rs:re])
	raw = collapseBackslashes(raw, kind == rootUNC)
	last := raw[strings.LastIndexByte(raw, '\\')+1:]
	switch kind {
	case rootHive:
		sep := strings.IndexByte(raw, '\\')
		hive := strings.TrimSuffix(raw[:sep], ":")
		long := hives[strings.ToUpper(hive)]
		rest := raw[sep+1:]
		if rest == "" {
			return 0, false
		}
		e.emit(TypeRegKey, r, end, long+`\`+rest, 0, "")
		return end, true
	case rootUNC:
		parts := strings.Split(strings.TrimPrefix(raw, `\\`), `\`)
		if len(parts) < 2 || parts[0] == "" {
			return 0, false
		}
		if parts[0] == "." && len(parts) == 3 && strings.EqualFold(parts[1], "pipe") && parts[2] != "" {
			e.emit(TypeFilePath, r, end, raw, 0, "")
			return end, true
		}
		if len(parts) < 3 {
			return 0, false
		}
	}
	if _, ok := fileExt([]byte(last)); !ok || len(last) < 3 {
		return 0, false
	}
	e.emit(TypeFilePath, r, end, raw, 0, "")
	return end, true
}

// collapseBackslashes writes each run of backslashes as one (text quoted
// in code doubles them: C:\\Windows\\x.exe), and the start of a UNC path
// as two.
func collapseBackslashes(p string, unc bool) string {
	prefix := ""
	if unc {
		p, prefix = strings.TrimLeft(p, `\`), `\\`
	}
	if !strings.Contains(p, `\\`) {
		return prefix + p
	}
	var b strings.Builder
	b.WriteString(prefix)
	for i := 0; i < len(p); i++ {
		if p[i] == '\\' && i > 0 && p[i-1] == '\\' {
			continue
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

// spacedNames are the names with spaces that Windows paths and registry
// keys commonly hold; between backslashes their spaces do not end the
// token (see joinedSpace). Lower case; matched in any case.
var spacedNames = []string{
	"windows nt", "program files (x86)", "program files", "common files", "internet explorer",
	"internet settings", "windows defender", "windows script host", "windows error reporting",
	"windows media player", "windows mail", "windows photo viewer", "windows sidebar",
	"image file execution options", "user shell folders", "shell folders", "active setup",
	"installed components", "app paths", "terminal server client", "terminal server", "start menu",
	"local settings", "application data", "group policy", "microsoft office", "silent process exit",
	"browser helper objects", "scheduled tasks", "windows security", "windows powershell",
	"windows kits", "all users", "default user", "real-time protection",
	"windows messaging subsystem", "windows update",
}

// spacedNameByFirst lists spacedNames by their first letter (either
// case), so that a backslash followed by anything else is passed over at
// once and one followed by a letter is compared with a few names only.
var spacedNameByFirst = func() (t [256][]string) {
	for _, n := range spacedNames {
		t[n[0]] = append(t[n[0]], n)
		t[n[0]-'a'+'A'] = append(t[n[0]-'a'+'A'], n)
	}
	return t
}()

// spacedNameAt reports the length of the spaced name that raw[p] (a
// backslash) introduces: the name must end at a backslash, a delimiter or
// the end of the text.
func spacedNameAt(raw []byte, p int) int {
	if p+1 >= len(raw) {
		return 0
	}
	for _, n := range spacedNameByFirst[raw[p+1]] {
		end := p + 1 + len(n)
		if end > len(raw) || !eqFold(raw[p+1:end], n) {
			continue
		}
		if end == len(raw) || raw[end] == '\\' || cls[raw[end]]&cDelim != 0 {
			return len(n)
		}
	}
	return 0
}
