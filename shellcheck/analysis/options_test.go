package analysis

import "testing"

func TestErrexit(t *testing.T) {
	tests := map[string]bool{
		"#!/bin/bash\necho":           false,
		"#!/bin/bash -e\necho":        true,
		"#!/bin/sh -eu\necho":         true,
		"#!/usr/bin/env bash\nset -e": true,
		"set -o errexit":              true,
		"set -euo pipefail":           true,
		"set +e":                      false, // "+e" turns it off
		"set -- -e":                   false, // an argument, not an option
		"f() { set -e; }":             false, // only its callers know
		"shopt -os errexit":           true,
		"#!/bin/bash --norc\necho":    false,
	}
	for src, want := range tests {
		if ix, _ := index(t, src); ix.Errexit != want {
			t.Errorf("%q: Errexit = %v, want %v", src, ix.Errexit, want)
		}
	}
}

func TestNounsetAndNoglob(t *testing.T) {
	tests := []struct {
		src             string
		nounset, noglob bool
	}{
		{"echo", false, false},
		{"#!/bin/sh -u\necho", true, false},
		{"set -u", true, false},
		{"set -o nounset", true, false},
		{"set -euf", true, true},
		{"set -o noglob", false, true},
		{"shopt -os nounset", true, false},
		{"shopt -s nounset", false, false}, // without -o, shopt knows no such option
		{"set -- -u -f", false, false},     // arguments, not options
		{"f() { set -u; }", false, false},
	}
	for _, tt := range tests {
		ix, _ := index(t, tt.src)
		if ix.Nounset != tt.nounset || ix.Noglob != tt.noglob {
			t.Errorf("%q: Nounset %v, Noglob %v; want %v, %v", tt.src, ix.Nounset, ix.Noglob, tt.nounset, tt.noglob)
		}
	}
}
