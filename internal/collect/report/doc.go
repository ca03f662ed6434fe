// Package report reads threat reports (HTML pages and PDF files) into plain
// text and links that text to the intelligence base: indicators, ATT&CK
// technique IDs and mentions of known groups, software, countries and
// sectors.
//
// The package is pure: it takes bytes and values and returns values; running
// pdftotext is the one exception, and only when the caller asks for it.
package report
