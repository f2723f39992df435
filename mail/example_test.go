package mail_test

import (
	"fmt"
	"strings"

	"github.com/webrana/webrana/mail"
)

// A producer's message is rendered with the operator's sender name, and
// its site-relative link is made absolute with the base URL. (QueueTx does
// this inside the caller's transaction and stores the result.)
func ExampleRender() {
	r, err := mail.Render(mail.Site{Name: "Acme Cloud", BaseURL: "https://panel.example.com"}, "ann@example.com",
		mail.PasswordReset, mail.LinkData{Path: "/reset?token=abc", ExpiresIn: "1 hour"})
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Subject)
	fmt.Println(strings.Contains(r.Text, "https://panel.example.com/reset?token=abc"))
	fmt.Println(strings.Contains(r.HTML, `href="https://panel.example.com/reset?token=abc"`))
	// Output:
	// Choose a new password for Acme Cloud
	// true
	// true
}
