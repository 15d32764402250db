package oidctest

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// leakWindow is the shortest run of a signature's characters that Leaks
// looks for: at 12 base64 characters (72 bits) a match is never chance.
const leakWindow = 12

// Leaks returns the pieces of token found in output: the whole token, its
// signed part (header and payload), and any leakWindow-long run of its
// signature, as the token carries it (base64url), as hex in either case, or
// as standard or URL base64 of the signature's bytes or of its text (as
// `echo $TOKEN | base64` prints it), at each of base64's three alignments.
// Output that holds none of them holds nothing a reader could replay.
func Leaks(output, token string) []string {
	if token == "" {
		return nil
	}
	var found []string
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		if strings.Contains(output, token) {
			found = append(found, "the token")
		}
		return found
	}
	if strings.Contains(output, token) {
		found = append(found, "the token")
	}
	if signed := parts[0] + "." + parts[1]; strings.Contains(output, signed) {
		found = append(found, "the token's header and payload")
	}
	encodings := map[string]string{"base64url": parts[2]}
	sources := map[string][]byte{"text": []byte(parts[2])}
	if sig, err := base64.RawURLEncoding.DecodeString(parts[2]); err == nil {
		encodings["hex"] = hex.EncodeToString(sig)
		sources["bytes"] = sig
	}
	for what, b := range sources {
		for shift := range 3 {
			// shift bytes ahead of the signature change only the first 4 characters.
			std := base64.StdEncoding.EncodeToString(append(make([]byte, shift), b...))
			url := base64.URLEncoding.EncodeToString(append(make([]byte, shift), b...))
			if shift > 0 {
				std, url = std[4:], url[4:]
			}
			encodings[fmt.Sprintf("base64 of its %s, shifted %d", what, shift)] = std
			encodings[fmt.Sprintf("base64url of its %s, shifted %d", what, shift)] = url
		}
	}
	lower := strings.ToLower(output)
	for _, name := range slices.Sorted(maps.Keys(encodings)) {
		enc, in := encodings[name], output
		if name == "hex" {
			in = lower
		}
		for i := 0; i+leakWindow <= len(enc); i++ {
			if piece := enc[i : i+leakWindow]; strings.Contains(in, piece) {
				found = append(found, "signature piece "+piece+" ("+name+")")
				break
			}
		}
	}
	return found
}
