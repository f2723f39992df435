package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/web/pages"
)

// topUpPresets are the amounts the billing page offers at one click, in
// the billing currency's major units (10, 25, 50, 100); those outside
// the operator's bounds are left out.
var topUpPresets = []int64{1000, 2500, 5000, 10000}

// paymentPages registers the billing page's top-up form, the sandbox's
// test payment page and the operators' Payments page.
func (s *Server) paymentPages() {
	s.ui("POST /billing/top-ups", SignedIn, s.handleTopUpForm)
	s.ui("GET /billing/top-ups/{id}/pay", SignedIn, s.handlePayTestPage)
	s.ui("POST /billing/top-ups/{id}/pay", SignedIn, s.handlePayTestForm)
	s.ui("GET /admin/top-ups", Admin, s.opTopUps)
	s.ui("POST /admin/top-ups/{id}/refund", Admin, s.opRefundTopUp)
}

// topUpsSection is the billing page's card top-ups for a customer (nil
// for operators): the form only when card payments are set up.
func (s *Server) topUpsSection(r *http.Request) (*pages.TopUpsData, error) {
	if principal(r).User.Role != webrana.RoleCustomer {
		return nil, nil // operators hold no balance
	}
	if s.payments == nil {
		return &pages.TopUpsData{}, nil
	}
	rng := s.payments.Range()
	d := &pages.TopUpsData{Enabled: s.payments.Enabled(),
		Min: rng.Min, Max: rng.Max, Currency: s.payments.Currency()}
	for _, p := range topUpPresets {
		if rng.Check("amount", p) == nil {
			d.Presets = append(d.Presets, p)
		}
	}
	items, _, err := s.payments.List(r.Context(), actor(r), webrana.Page{Page: 1, PerPage: 20})
	if err != nil {
		return nil, err
	}
	d.Items = items
	return d, nil
}

// handleTopUpForm starts a top-up as POST /api/billing/top-ups does and
// sends the customer to the checkout page; a refused amount is shown
// again on the billing page with the reason.
func (s *Server) handleTopUpForm(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.pay()
	if err != nil {
		return err
	}
	custom := strings.TrimSpace(r.PostFormValue("custom"))
	amount, ok := int64(0), true
	if v := r.PostFormValue("amount"); v != "" {
		amount, err = strconv.ParseInt(v, 10, 64)
		ok = err == nil
	} else {
		amount, ok = webrana.ParseMajor(custom)
	}
	if !ok {
		err = svc.Range().Error("amount")
	} else {
		var t *webrana.TopUp
		if t, err = svc.Create(r.Context(), actor(r), amount); err == nil {
			http.Redirect(w, r, t.CheckoutURL, http.StatusSeeOther)
			return nil
		}
	}
	in, isInput := inputError(err)
	if !isInput {
		return err
	}
	return s.renderBilling(w, r, ErrorStatus(err), func(d *pages.TopUpsData) { d.Err, d.Custom = in, custom })
}

// handlePayTestPage shows the sandbox's test checkout of one of the
// caller's top-ups.
func (s *Server) handlePayTestPage(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.pay()
	if err != nil {
		return err
	}
	if !svc.TestPays() {
		return webrana.Errorf(webrana.ENOTFOUND, "Test payments are only in the sandbox.")
	}
	t, err := svc.Get(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, pages.PayTest(s.frame(w, r, "Test payment", "billing"), t))
	return nil
}

// handlePayTestForm pays the top-up in the sandbox, through the webhook
// path a card payment takes, and goes back to the billing page.
func (s *Server) handlePayTestForm(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.pay()
	if err != nil {
		return err
	}
	t, err := svc.TestPay(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	redirectFlash(w, r, "/billing", "Test payment of "+webrana.Money{Amount: t.Amount, Currency: t.Currency}.String()+" received: top-up "+t.Status+".")
	return nil
}

// opTopUps is the operators' Payments page: every top-up, with refunds.
func (s *Server) opTopUps(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.pay()
	if err != nil {
		return err
	}
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	items, total, err := svc.ListAll(r.Context(), page)
	if err != nil {
		return err
	}
	d := pages.OperatorTopUpsData{Items: items, Page: page.Page, PerPage: page.PerPage, Total: total, Enabled: svc.Enabled()}
	s.render(w, r, http.StatusOK, pages.OperatorTopUps(s.frame(w, r, "Payments", "admin-top-ups"), d))
	return nil
}

// opRefundTopUp refunds as POST /api/admin/top-ups/{id}/refund does, the
// amount typed in major units; a refusal comes back as the page's message.
func (s *Server) opRefundTopUp(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.pay()
	if err != nil {
		return err
	}
	amount, ok := webrana.ParseMajor(strings.TrimSpace(r.PostFormValue("amount")))
	if !ok {
		return webrana.FieldError("amount", "Type the amount to refund, such as 12.50.")
	}
	ref, err := svc.Refund(r.Context(), actor(r), r.PathValue("id"), amount)
	if err != nil {
		return err
	}
	redirectFlash(w, r, "/admin/top-ups", "Refunded "+webrana.FormatMajor(ref.Amount)+" to the card of top-up "+ref.TopUpID+".")
	return nil
}
