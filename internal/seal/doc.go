// Package seal is renrakucho's envelope encryption (DESIGN §3.4).
//
// Three levels of keys, each wrapping the one below:
//
//   - the master key-encryption key: a Tink AES-256-GCM keyset in a file of
//     the key directory (master.json), never in the database;
//   - one wrapping keyset per tenant, in the key directory too
//     (tenants/ID.json), encrypted under the master key;
//   - the tenant's data keysets (AES-256-GCM for fields, AES-256-GCM-HKDF
//     streaming for file contents), stored in the database encrypted under
//     the tenant's wrapping keyset.
//
// Resident data is sealed with the data keysets; the associated data binds
// each ciphertext to its tenant, table, row and column (built by the
// store), so a ciphertext copied elsewhere does not open. Destroying a
// tenant's wrapping keyset (Destroy) makes every ciphertext of the tenant
// unreadable, in the live database and in every backup of it, because no
// backup of the database holds the key directory. The KEK interface is
// where a KMS or Vault Transit can take the key directory's place.
package seal
