package web

import (
	"encoding/base64"
	"html/template"
	"time"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/pki"
)

type certData struct {
	Subject     pki.Subject
	Password    string
	FileName    string
	Download    template.URL
	PEM         string
	Serial      string
	Fingerprint string
	NotAfter    time.Time
	Back        string
}

func newCertData(c app.IssuedCert, back string) certData {
	return certData{
		Subject:  c.Subject,
		Password: c.P12Password,
		FileName: c.Subject.CommonName() + ".p12",
		// The bundle is ours, base64 only: safe to put in a data: URL,
		// which html/template would otherwise refuse.
		Download:    template.URL("data:application/x-pkcs12;base64," + base64.StdEncoding.EncodeToString(c.P12)),
		PEM:         string(c.CertPEM),
		Serial:      c.Serial,
		Fingerprint: pki.Fingerprint(c.Cert),
		NotAfter:    c.NotAfter,
		Back:        back,
	}
}
