package cloudsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// Linode's pagination (?page=, ?page_size= 25–500, default 100; answers
// {"data","page","pages","results"}) and X-Filter header: a JSON object
// whose keys are filterable fields (equality, or an object of +gt, +gte,
// +lt, +lte, +contains, +neq) or the operators +and / +or (arrays of such
// objects), plus +order_by and +order. A list field (tags, ipv4) matches
// when any element does.

// fieldGetter reads a field of a listed object for filtering and sorting.
type fieldGetter func(name string) (any, bool)

func mapFields(m map[string]any) fieldGetter {
	return func(name string) (any, bool) { v, ok := m[name]; return v, ok }
}

type linodeFilter struct {
	root    *filterNode // nil: everything
	orderBy string
	desc    bool
}

type filterNode struct {
	op       string // "and", "or", or a comparison: eq neq gt gte lt lte contains
	children []*filterNode
	field    string
	value    any
}

type linodeListQuery struct {
	page, pageSize int
	filter         linodeFilter
}

// parseLinodeListQuery reads page, page_size and X-Filter, answering 400
// itself when they are invalid.
func parseLinodeListQuery(c *call, filterable map[string]bool) (linodeListQuery, bool) {
	q := linodeListQuery{page: 1, pageSize: 100}
	var errs []linodeFieldError
	qs := c.r.URL.Query()
	if s := qs.Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		switch {
		case err != nil:
			errs = append(errs, linodeFieldError{Field: "page", Reason: "Must be an integer"})
		case n < 1:
			errs = append(errs, linodeFieldError{Field: "page", Reason: "Must be 1 or more"})
		default:
			q.page = n
		}
	}
	if s := qs.Get("page_size"); s != "" {
		n, err := strconv.Atoi(s)
		switch {
		case err != nil:
			errs = append(errs, linodeFieldError{Field: "page_size", Reason: "Must be an integer"})
		case n < 25 || n > 500:
			errs = append(errs, linodeFieldError{Field: "page_size", Reason: "Must be 25-500"})
		default:
			q.pageSize = n
		}
	}
	if h := c.r.Header.Get("X-Filter"); strings.TrimSpace(h) != "" {
		f, err := parseLinodeFilter(h, filterable)
		if err != nil {
			errs = append(errs, linodeFieldError{Field: "X-Filter", Reason: err.Error()})
		}
		q.filter = f
	}
	if len(errs) > 0 {
		writeLinodeErrors(c, http.StatusBadRequest, errs)
		return q, false
	}
	return q, true
}

// bounds returns the slice [start, end) of n results on the query's page.
func (q linodeListQuery) bounds(n int) (int, int) {
	start := (q.page - 1) * q.pageSize
	if start > n || start < 0 { // (overflow on absurd pages)
		return n, n
	}
	return start, min(n, start+q.pageSize)
}

// slice returns the positions of the page's items among n results.
func (q linodeListQuery) slice(n int) []int {
	start, end := q.bounds(n)
	out := make([]int, 0, end-start)
	for i := start; i < end; i++ {
		out = append(out, i)
	}
	return out
}

func (q linodeListQuery) pages(results int) int {
	return max(1, (results+q.pageSize-1)/q.pageSize)
}

// writeLinodePage writes one page of a paginated collection.
func writeLinodePage[T any](c *call, q linodeListQuery, results int, items []T) {
	writeLinodeJSON(c, http.StatusOK, struct {
		Data    []T `json:"data"`
		Page    int `json:"page"`
		Pages   int `json:"pages"`
		Results int `json:"results"`
	}{items, q.page, q.pages(results), results})
}

func parseLinodeFilter(h string, filterable map[string]bool) (linodeFilter, error) {
	var f linodeFilter
	var obj map[string]any
	dec := json.NewDecoder(strings.NewReader(h))
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil || obj == nil {
		return f, fmt.Errorf("Invalid JSON in X-Filter header")
	}
	if v, ok := obj["+order_by"]; ok {
		s, isStr := v.(string)
		if !isStr || !filterable[s] {
			return f, fmt.Errorf("Cannot order by %v", v)
		}
		f.orderBy = s
		delete(obj, "+order_by")
	}
	if v, ok := obj["+order"]; ok {
		switch v {
		case "asc":
		case "desc":
			f.desc = true
		default:
			return f, fmt.Errorf("+order must be asc or desc")
		}
		delete(obj, "+order")
	}
	root, err := parseFilterObject(obj, filterable)
	if err != nil {
		return f, err
	}
	f.root = root
	return f, nil
}

// parseFilterObject turns one filter object into an "and" of its keys.
func parseFilterObject(obj map[string]any, filterable map[string]bool) (*filterNode, error) {
	if len(obj) == 0 {
		return nil, nil
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	and := &filterNode{op: "and"}
	for _, k := range keys {
		v := obj[k]
		switch k {
		case "+and", "+or":
			arr, ok := v.([]any)
			if !ok {
				return nil, fmt.Errorf("%s must be an array", k)
			}
			n := &filterNode{op: k[1:]}
			for _, e := range arr {
				sub, ok := e.(map[string]any)
				if !ok {
					return nil, fmt.Errorf("%s must be an array of objects", k)
				}
				child, err := parseFilterObject(sub, filterable)
				if err != nil {
					return nil, err
				}
				if child != nil {
					n.children = append(n.children, child)
				}
			}
			and.children = append(and.children, n)
		case "+order_by", "+order":
			return nil, fmt.Errorf("%s is only allowed at the top level", k)
		default:
			if strings.HasPrefix(k, "+") {
				return nil, fmt.Errorf("Unknown operator %s", k)
			}
			if !filterable[k] {
				return nil, fmt.Errorf("Cannot filter on %s", k)
			}
			conds, err := parseCondition(k, v)
			if err != nil {
				return nil, err
			}
			and.children = append(and.children, conds...)
		}
	}
	return and, nil
}

func parseCondition(field string, v any) ([]*filterNode, error) {
	ops, ok := v.(map[string]any)
	if !ok {
		if _, isArr := v.([]any); isArr {
			return nil, fmt.Errorf("Filter value for %s must not be an array", field)
		}
		return []*filterNode{{op: "eq", field: field, value: v}}, nil
	}
	var out []*filterNode
	for op, val := range ops {
		switch op {
		case "+eq", "+neq", "+contains", "+gt", "+gte", "+lt", "+lte":
			out = append(out, &filterNode{op: op[1:], field: field, value: val})
		default:
			return nil, fmt.Errorf("Unknown operator %s", op)
		}
	}
	return out, nil
}

func (f linodeFilter) match(get fieldGetter) bool { return f.root.match(get) }

func (n *filterNode) match(get fieldGetter) bool {
	if n == nil {
		return true
	}
	switch n.op {
	case "and":
		for _, c := range n.children {
			if !c.match(get) {
				return false
			}
		}
		return true
	case "or":
		for _, c := range n.children {
			if c.match(get) {
				return true
			}
		}
		return len(n.children) == 0
	}
	v, _ := get(n.field)
	if list, ok := asList(v); ok {
		if n.op == "neq" {
			for _, e := range list {
				if compareFilter("eq", e, n.value) {
					return false
				}
			}
			return true
		}
		for _, e := range list {
			if compareFilter(n.op, e, n.value) {
				return true
			}
		}
		return false
	}
	return compareFilter(n.op, v, n.value)
}

func asList(v any) ([]any, bool) {
	switch l := v.(type) {
	case []any:
		return l, true
	case []string:
		out := make([]any, len(l))
		for i, s := range l {
			out[i] = s
		}
		return out, true
	}
	return nil, false
}

// compareFilter applies one comparison to a field value and a filter value.
func compareFilter(op string, have, want any) bool {
	if op == "contains" {
		hs, ok1 := have.(string)
		ws, ok2 := toFilterString(want)
		return ok1 && ok2 && strings.Contains(strings.ToLower(hs), strings.ToLower(ws))
	}
	c, ok := compareValues(have, want)
	switch op {
	case "eq":
		return ok && c == 0
	case "neq":
		return !ok || c != 0
	case "gt":
		return ok && c > 0
	case "gte":
		return ok && c >= 0
	case "lt":
		return ok && c < 0
	case "lte":
		return ok && c <= 0
	}
	return false
}

func toFilterString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	}
	return "", false
}

func toFilterNumber(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case float64:
		return x, true
	case int:
		return float64(x), true
	}
	return 0, false
}

// compareValues orders two JSON values of the same kind.
func compareValues(a, b any) (int, bool) {
	if x, ok := toFilterNumber(a); ok {
		y, ok := toFilterNumber(b)
		if !ok {
			return 0, false
		}
		switch {
		case x < y:
			return -1, true
		case x > y:
			return 1, true
		}
		return 0, true
	}
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		if !ok {
			return 0, false
		}
		return strings.Compare(x, y), true
	case bool:
		y, ok := b.(bool)
		if !ok {
			return 0, false
		}
		if x == y {
			return 0, true
		}
		if !x {
			return -1, true
		}
		return 1, true
	case nil:
		if b == nil {
			return 0, true
		}
	}
	return 0, false
}

// sortIndex orders positions by the filter's +order_by field.
func (f linodeFilter) sortIndex(idx []int, get func(int) fieldGetter) {
	sort.SliceStable(idx, func(i, j int) bool {
		a, _ := get(idx[i])(f.orderBy)
		b, _ := get(idx[j])(f.orderBy)
		c, _ := compareValues(a, b)
		if f.desc {
			return c > 0
		}
		return c < 0
	})
}

// orderedBy returns items in the filter's +order_by order, or as they are
// without one.
func orderedBy[T any](f linodeFilter, items []T, get func(T) fieldGetter) []T {
	if f.orderBy == "" {
		return items
	}
	idx := make([]int, len(items))
	for i := range idx {
		idx[i] = i
	}
	f.sortIndex(idx, func(i int) fieldGetter { return get(items[i]) })
	out := make([]T, len(items))
	for i, k := range idx {
		out[i] = items[k]
	}
	return out
}
