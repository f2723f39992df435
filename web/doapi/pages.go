package doapi

import (
	"net/http"
	"strconv"

	"github.com/webrana/webrana"
)

// Pagination as DigitalOcean does it: ?page= (from 1) and ?per_page=
// (default 20, at most 200); answers carry links.pages (first, prev, next,
// last as absolute URLs) and meta.total.

const (
	defaultPerPage = 20
	maxPerPage     = 200
)

// pageOf reads a request's page.
func pageOf(r *http.Request) (webrana.Page, error) {
	p := webrana.Page{Page: 1, PerPage: defaultPerPage}
	q := r.URL.Query()
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return p, invalid("page must be a positive number.")
		}
		p.Page = n
	}
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return p, invalid("per_page must be a positive number.")
		}
		p.PerPage = min(n, maxPerPage)
	}
	return p, nil
}

// cut is one page of a whole list.
func cut[T any](all []T, p webrana.Page) []T {
	start := min(p.Offset(), len(all))
	return all[start:min(start+p.PerPage, len(all))]
}

type meta struct {
	Total int `json:"total"`
}

type links struct {
	Pages map[string]string `json:"pages,omitempty"`
}

// pageLinks are the links to the pages around p of a list of total items.
func pageLinks(r *http.Request, p webrana.Page, total int) links {
	last := max(1, (total+p.PerPage-1)/p.PerPage)
	at := func(n int) string {
		u := onAddress(r, r.URL.Path)
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(n))
		q.Set("per_page", strconv.Itoa(p.PerPage))
		u.RawQuery = q.Encode()
		return u.String()
	}
	pages := map[string]string{}
	if p.Page > 1 {
		pages["first"], pages["prev"] = at(1), at(min(p.Page-1, last))
	}
	if p.Page < last {
		pages["next"], pages["last"] = at(p.Page+1), at(last)
	}
	return links{Pages: pages}
}
