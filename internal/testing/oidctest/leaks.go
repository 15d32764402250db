package oidctest

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// leakWindow is the shortest run of a signature's characters that Leaks
// looks for: at 12 base64 characters (72 bits) a match is never chance.
const leakWindow = 12

// Leaks returns the pieces of token found in output: the whole token, its
// signed part (header and payload), and any leakWindow-long run of its
// signature, as the token carries it (base64url) or as standard base64 or
// hex. Output that holds none of them holds nothing a reader could replay.
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
	if sig, err := base64.RawURLEncoding.DecodeString(parts[2]); err == nil {
		encodings["base64"] = base64.StdEncoding.EncodeToString(sig)
		encodings["hex"] = hex.EncodeToString(sig)
	}
	for name, enc := range encodings {
		for i := 0; i+leakWindow <= len(enc); i++ {
			if piece := enc[i : i+leakWindow]; strings.Contains(output, piece) {
				found = append(found, "signature piece "+piece+" ("+name+")")
				break
			}
		}
	}
	return found
}
