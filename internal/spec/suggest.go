package spec

import "github.com/agext/levenshtein"

// suggest returns the candidate nearest to s, when it is near enough to be
// what the engineer meant: the "did you mean" of a misspelt key or name.
func suggest(s string, candidates []string) string {
	best, bestDist := "", len(s)/2+2
	for _, c := range candidates {
		if d := levenshtein.Distance(s, c, nil); d < bestDist || (d == bestDist && c < best) {
			best, bestDist = c, d
		}
	}
	if bestDist > len(s)/2+1 {
		return ""
	}
	return best
}
