package cloudsim

// idSource hands out numeric ids per kind, as the providers do (droplets,
// actions, keys, linodes). Guarded by Sim.mu; saved with the state.
type idSource struct {
	Next map[string]int `json:"next"`
}

// next returns the next id of a kind, starting from base.
func (ids *idSource) next(kind string, base int) int {
	if ids.Next == nil {
		ids.Next = map[string]int{}
	}
	if ids.Next[kind] < base {
		ids.Next[kind] = base
	}
	ids.Next[kind]++
	return ids.Next[kind]
}
