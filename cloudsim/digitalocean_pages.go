package cloudsim

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// DigitalOcean's pagination: page (from 1) and per_page (default 20, at
// most 200); answers carry links.pages (first/prev/next/last, absolute URLs
// keeping the other query parameters) and meta.total. A single page has
// empty links, as the real API sends.
const (
	doDefaultPerPage = 20
	doMaxPerPage     = 200
)

type doLinks struct {
	Pages   *doPages       `json:"pages,omitempty"`
	Actions []doActionLink `json:"actions,omitempty"`
}

type doPages struct {
	First string `json:"first,omitempty"`
	Prev  string `json:"prev,omitempty"`
	Next  string `json:"next,omitempty"`
	Last  string `json:"last,omitempty"`
}

type doActionLink struct {
	ID   int    `json:"id"`
	Rel  string `json:"rel"`
	HREF string `json:"href"`
}

type doMeta struct {
	Total int `json:"total"`
}

// doPage is one page of a list of n items: items[start:end].
type doPage struct {
	start, end int
	links      doLinks
	meta       doMeta
}

func doPaginate(c *call, n int) doPage {
	q := c.r.URL.Query()
	page, err := strconv.Atoi(q.Get("page"))
	if err != nil || page < 1 {
		page = 1
	}
	perPage, err := strconv.Atoi(q.Get("per_page"))
	if err != nil || perPage < 1 {
		perPage = doDefaultPerPage
	}
	perPage = min(perPage, doMaxPerPage)
	last := max(1, (n+perPage-1)/perPage)
	p := doPage{start: min(n, (page-1)*perPage), meta: doMeta{Total: n}}
	p.end = min(n, p.start+perPage)
	link := func(page int) string {
		q.Set("page", strconv.Itoa(page))
		q.Set("per_page", strconv.Itoa(perPage))
		return doBaseURL(c) + c.r.URL.Path + "?" + q.Encode()
	}
	var pages doPages
	if page > 1 {
		pages.First, pages.Prev = link(1), link(min(page-1, last))
	}
	if page < last {
		pages.Next, pages.Last = link(page+1), link(last)
	}
	if pages != (doPages{}) {
		p.links.Pages = &pages
	}
	return p
}

// doBaseURL is the simulator's own address as the client reached it, for
// the absolute links the real API gives.
func doBaseURL(c *call) string {
	scheme := "http"
	if c.r.TLS != nil {
		scheme = "https"
	}
	if p := c.r.Header.Get("X-Forwarded-Proto"); p == "http" || p == "https" {
		scheme = p
	}
	return scheme + "://" + c.r.Host
}

// Answers that embed catalog objects are assembled from bytes: json.Marshal
// would re-validate every pre-rendered size, region and image on every
// answer, which was most of the cost of a droplet list.

// doList writes one page of a list under key, with links and meta.
func doList[T any](c *call, key string, items []T, appendItem func([]byte, T) []byte) {
	p := doPaginate(c, len(items))
	n := p.end - p.start
	b := make([]byte, 0, 512+n*2048)
	b = append(b, `{"`+key+`":[`...)
	for i, it := range items[p.start:p.end] {
		if i > 0 {
			b = append(b, ',')
		}
		before := len(b)
		b = appendItem(b, it)
		if i == 0 {
			// Items of a list are alike in size: grow once for the page,
			// not by doubling through it.
			b = slices.Grow(b, (len(b)-before+1)*(n-1)+512)
		}
	}
	b = append(b, `],"links":`...)
	b = doAppend(b, p.links)
	b = append(b, `,"meta":`...)
	b = doAppend(b, p.meta)
	doWriteRaw(c, http.StatusOK, append(b, '}'))
}

// doField is a member of an object assembled by doObject.
type doField struct {
	key   string
	value []byte
}

// doObject assembles {"key":value,...} from JSON values.
func doObject(fields ...doField) []byte {
	b := []byte{'{'}
	for i, f := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `"`+f.key+`":`...)
		b = append(b, f.value...)
	}
	return append(b, '}')
}

// doAppend appends v as JSON.
func doAppend(b []byte, v any) []byte {
	j, err := json.Marshal(v)
	if err != nil {
		panic(err) // our own types always marshal
	}
	return append(b, j...)
}

// doWriteRaw answers with a JSON body already assembled.
func doWriteRaw(c *call, status int, body []byte) {
	doRequestID(c)
	c.w.Header().Set("Content-Type", "application/json; charset=utf-8")
	c.w.WriteHeader(status)
	_, _ = c.w.Write(body)
	_, _ = c.w.Write([]byte{'\n'})
}

// decode reads a JSON request body into v, answering 400 as the real API
// does when it is not JSON.
func (d *digitalOcean) decode(c *call, v any) bool {
	body, err := io.ReadAll(io.LimitReader(c.r.Body, doMaxBody+1))
	if err == nil && len(body) > doMaxBody {
		err = errors.New("request body too large")
	}
	if err == nil {
		err = json.Unmarshal(body, v)
	}
	if err != nil {
		d.writeError(c, http.StatusBadRequest, "The request body could not be parsed as JSON: "+strings.TrimPrefix(err.Error(), "json: "))
		return false
	}
	return true
}

// doPathID parses a numeric path segment.
func doPathID(c *call, name string) (int, bool) {
	id, err := strconv.Atoi(c.r.PathValue(name))
	return id, err == nil && id > 0
}
