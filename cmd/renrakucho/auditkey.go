package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/config"
	"github.com/renrakucho/renrakucho/internal/store"
)

// openAuditChain gives the store the audit key from the key directory and
// chains the entries written before the chain existed. The key is
// created (KEYS/audit.key, mode 0600) while no chain has begun: by init,
// by demo, or at the first start after the upgrade that brought the
// chain. Once a chain has begun, a missing key is an error, never
// silently replaced.
func openAuditChain(ctx context.Context, cfg config.Config, db *store.DB) error {
	key, err := audit.LoadKey(cfg.Keys())
	if errors.Is(err, audit.ErrNoKey) {
		started, serr := db.AuditStarted(ctx)
		if serr != nil {
			return serr
		}
		if started {
			return fmt.Errorf("%w; the audit log is already chained under that key: restore %s from its backup (see docs/admin-manual.md, \"Audit log\")",
				err, audit.KeyFile)
		}
		key, _, err = audit.LoadOrCreateKey(cfg.Keys())
	}
	if err != nil {
		return err
	}
	db.SetAuditKey(key)
	if _, err := db.SealAudit(ctx); err != nil {
		return fmt.Errorf("chain the audit entries from before the chain: %w", err)
	}
	return nil
}
