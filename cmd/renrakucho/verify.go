package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/store"
)

// errChainBroken is verify-audit's failure: the report says where.
var errChainBroken = fmt.Errorf("the audit log is damaged: see the report above")

// cmdVerifyAudit checks every audit chain (the platform's and each
// tenant's) and prints, per chain, its entries and head; for a broken
// chain, the first bad entry. --checkpoint FILE[,FILE…] also checks the
// chains against checkpoint files kept elsewhere, which catches the
// newest entries cut off. It exits non-zero on any break. The run is
// audited (cli.command) in the platform's log.
func (c *cli) cmdVerifyAudit(ctx context.Context, args []string) error {
	own, args, err := splitFlags(args, "checkpoint")
	if err != nil {
		return err
	}
	cfg, rest, err := c.loadConfig("verify-audit", args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("unexpected arguments %q", rest)
	}
	var extra []store.AuditCheckpoint
	var files []string
	for _, f := range strings.Split(own["checkpoint"], ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		cf, err := app.ReadCheckpointFile(f)
		if err != nil {
			return usagef("%v", err)
		}
		files = append(files, f)
		extra = append(extra, cf.Chains...)
	}
	db, keys, err := openStore(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	sts, err := db.VerifyAudit(ctx, extra)
	if err != nil {
		return err
	}
	took := time.Since(start)

	names := map[string]string{"": "(platform)"}
	err = db.Platform(ctx, func(ptx *store.PlatformTx) error {
		ts, err := ptx.Tenants(ctx)
		for _, t := range ts {
			names[t.ID] = t.Slug
		}
		return err
	})
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "CHAIN\tTENANT ID\tENTRIES\tFROM\tHEAD SEQ\tHEAD MAC\tHEAD TIME (UTC)\tCHECKPOINTS\tSTATUS")
	var total int64
	broken := 0
	for _, st := range sts {
		total += st.Count
		name, ok := names[st.TenantID]
		if !ok {
			name = "(unknown)"
		}
		mac, at := "-", "-"
		if st.HeadSeq > 0 {
			mac = st.HeadMAC[:16] + "…"
			at = st.HeadAt.UTC().Format(time.RFC3339)
		}
		status := "ok"
		if st.Break != nil {
			broken++
			status = "BROKEN"
		}
		fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%d\t%s\t%s\t%d\t%s\n", name, st.TenantID, st.Count, st.BaseSeq+1, st.HeadSeq, mac, at,
			st.Checkpoints, status)
	}
	w.Flush()
	for _, st := range sts {
		if b := st.Break; b != nil {
			fmt.Fprintf(c.stdout, "\nBROKEN chain %s (tenant %q): first bad entry at seq %d", names[st.TenantID], b.TenantID, b.Seq)
			if b.ID != "" {
				fmt.Fprintf(c.stdout, ", entry %s", b.ID)
			}
			fmt.Fprintf(c.stdout, ":\n  %s\n", b.Problem)
		}
	}
	rate := float64(total) / took.Seconds()
	fmt.Fprintf(c.stdout, "\n%d chains, %d entries verified in %s (%.0f entries/s); %d checkpoint files; %d broken.\n",
		len(sts), total, took.Round(time.Millisecond), rate, len(files), broken)

	result, detail := audit.OK, fmt.Sprintf("verify-audit: %d chains, %d entries, %d broken", len(sts), total, broken)
	if len(files) > 0 {
		detail += "; checkpoints " + strings.Join(files, ",")
	}
	if broken > 0 {
		result = audit.Failed
	}
	// A new app without the CA: recording the run needs only the store.
	if err := newApp(cfg, db, keys, nil, c.logger(cfg), nil).RecordCommand(ctx, origin("verify-audit"), "verify-audit", detail, result); err != nil {
		return err
	}
	if broken > 0 {
		return errChainBroken
	}
	return nil
}
