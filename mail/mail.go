// Package mail is Webrana's one outgoing-mail path, for customers and for
// operators' alerts alike.
//
// A service that has something to tell a person queues a Message in the
// transaction of the change it reports (an account created, a server
// active, a balance gone negative): the message is rendered then, kept in
// the outbox, and a River job delivers it. So a change and its e-mail
// commit together or not at all; delivery is retried until the SMTP server
// takes it; a message the SMTP server accepted is marked sent and never
// sent again. With no SMTP server configured (the sandbox), messages are
// kept and shown to operators on the "Mail" page instead.
//
// Producers declare the small interface they use (QueueTx) in their own
// package, as consumers do with the store.
package mail

// Kind names a message's template. Kinds marked optional can be switched
// off by the customer; the others always go (they are what the customer
// asked for, or concern their account's security or money).
type Kind string

const (
	// Account and security.
	Verify        Kind = "verify"         // LinkData: confirm the address
	PasswordReset Kind = "password_reset" // LinkData: choose a new password
	Invite        Kind = "invite"         // LinkData: set a password and sign in
	EmailChange   Kind = "email_change"   // LinkData: confirm a new address
	NewSignIn     Kind = "new_sign_in"    // SignInData; optional
	EmailChanged  Kind = "email_changed"  // EmailChangedData: to the old address, after a change

	// Servers (optional).
	ServerReady  Kind = "server_ready"  // ServerData; never the root password
	OrderHeld    Kind = "order_held"    // ServerData
	OrderFailed  Kind = "order_failed"  // ServerData with the refund
	ActionFailed Kind = "action_failed" // ServerData with the action

	// Money.
	BalanceLow     Kind = "balance_low"     // BalanceData; optional
	UnpaidWarning  Kind = "unpaid_warning"  // BalanceData with the suspension date
	UnpaidSuspend  Kind = "unpaid_suspend"  // BalanceData with the deletion date
	UnpaidDeletion Kind = "unpaid_deletion" // BalanceData
	Receipt        Kind = "receipt"         // ReceiptData: a card top-up was paid
	InvoiceIssued  Kind = "invoice_issued"  // InvoiceData: a month's invoice (issue 17 §2)
	CreditNote     Kind = "credit_note"     // InvoiceData: a credit note; Period names the invoice it corrects

	// Operators.
	Alert Kind = "alert" // AlertData, to the alert recipients
)

// Message is one e-mail to queue. Data is the kind's data type (LinkData,
// ServerData, …); the outbox renders Kind's templates with it when queued.
type Message struct {
	To     string // one address
	UserID string // the recipient, when a user: checked against their mail preferences
	Kind   Kind
	Data   any
}

// LinkData is a message whose point is one link: Path is the path and query
// on Webrana's own site ("/verify?token=…"); the outbox makes it absolute
// with the configured base URL.
type LinkData struct {
	Path      string
	ExpiresIn string // "24 hours", shown to the reader
	Inviter   string // invitations only: who invited them
}

// ServerData is a message about one server or order. Fields that do not
// apply to a kind stay empty.
type ServerData struct {
	Name     string // the customer's name for the server (its label)
	Provider string // the provider's display name
	Region   string
	Plan     string
	IPv4     string
	IPv6     string
	Action   string // ActionFailed: what was asked ("reboot", "resize", …)
	Reason   string // OrderFailed, ActionFailed: what a person is told (clouderr)
	Refund   string // OrderFailed: the amount given back, formatted ("$4.00"); empty if none
	Path     string // the server's page on Webrana's site ("/servers/{id}")
}

// BalanceData is a message about the customer's balance.
type BalanceData struct {
	Balance string // formatted ("-$3.20")
	Date    string // UnpaidWarning: when servers are suspended; UnpaidSuspend: when they are deleted
	Path    string // where to pay ("/billing")
}

// ReceiptData is the receipt of a paid top-up. Path is the receipt PDF
// ("/api/billing/top-ups/{id}/receipt"); BillingPath the billing page.
type ReceiptData struct {
	Amount      string // formatted ("$25.00")
	Date        string // when it was paid, formatted, UTC
	TopUpID     string
	Path        string
	BillingPath string
}

// SignInData tells a customer of a sign-in from an address not seen before.
type SignInData struct {
	Address string // the client's IP address
	When    string // formatted time, UTC
}

// EmailChangedData tells the old address of an account that its address
// was changed.
type EmailChangedData struct {
	New  string // the account's address now
	When string // formatted time, UTC
}

// AlertData is an operators' alert as e-mail.
type AlertData struct {
	Severity, Kind, Event, Message, ID, Key string
	OpenedAt, ResolvedAt                    string // formatted; ResolvedAt empty while open
}

// InvoiceData tells a customer of a document issued to them.
type InvoiceData struct {
	Number string // "INV-000042"
	Period string // "November 2026"
	Total  string // formatted ("12.34 USD")
	Path   string // the invoice's PDF on Webrana's site ("/billing/invoices/{id}")
}

// Kinds is every kind of message, in the order above.
var Kinds = []Kind{Verify, PasswordReset, Invite, EmailChange, NewSignIn, EmailChanged,
	ServerReady, OrderHeld, OrderFailed, ActionFailed,
	BalanceLow, UnpaidWarning, UnpaidSuspend, UnpaidDeletion, Receipt, InvoiceIssued, CreditNote, Alert}

// OptionalKinds are the kinds a customer may switch off: news about their
// servers, a low balance, a sign-in from a new address. What they asked
// for (a link to confirm, reset or accept), and the unpaid sequence that
// ends with their servers deleted, always go.
var OptionalKinds = []Kind{ServerReady, OrderHeld, OrderFailed, ActionFailed, BalanceLow, NewSignIn}

// Optional reports whether the customer may switch k off.
func (k Kind) Optional() bool {
	for _, o := range OptionalKinds {
		if o == k {
			return true
		}
	}
	return false
}
