package store

import (
	"context"
	"time"

	"github.com/webrana/webrana"
)

// AdoptServers makes servers already running on an account Webrana's own
// (webrana import --apply), in one transaction that goes through the
// account's capacity (see Capacity): each instance in adopt, which must
// record a server of the account (AccountID, ProviderID), is inserted
// unless an instance already records that server (so a second import
// adopts nothing new), and each inserted one is passed to also (its audit
// entry). listed is everything the provider listed for the account at
// listedAt, every page: it is sorted as a sync sorts it, so the adopted
// servers stop counting as foreign in the same transaction as they start
// counting as own, and the account's active count stays exact. It returns
// the instances inserted.
func (db *DB) AdoptServers(ctx context.Context, accountID string, listedAt time.Time, listed []ObservedServer,
	adopt []*webrana.Instance, also func(*Tx, *webrana.Instance) error) ([]*webrana.Instance, error) {
	var adopted []*webrana.Instance
	err := db.InTx(ctx, func(tx *Tx) error {
		adopted = nil
		k, err := tx.lockCapacity(ctx, accountID)
		if err != nil {
			return err
		}
		for _, in := range adopt {
			if in.AccountID != accountID || in.ProviderID == "" {
				return webrana.Errorf(webrana.EINVALID, "An adopted server must be one of the account's.")
			}
			known, err := tx.conn().count(ctx, `SELECT COUNT(*) FROM instances WHERE account_id = ? AND provider_id = ?
				AND status IN `+ownStatusList, accountID, in.ProviderID)
			if err != nil {
				return err
			}
			if known > 0 {
				continue
			}
			if err := tx.insertInstance(ctx, in); err != nil {
				return err
			}
			if also != nil {
				if err := also(tx, in); err != nil {
					return err
				}
			}
			adopted = append(adopted, in)
		}
		if err := k.sortServers(ctx, accountID, listedAt, listed); err != nil {
			return err
		}
		k.touch(accountID)
		return k.settle(ctx)
	})
	return adopted, err
}
