package main

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/aurigraph/aurigraph/internal/chain"
	"github.com/aurigraph/aurigraph/schemas"
)

func newKeygenCommand() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "keygen",
		Short: "Make an Ed25519 key and print the account address it controls",
		Long: `Writes a new Ed25519 private key (PEM, PKCS #8, readable by its owner only) to
--out and prints its public key and the account address it controls: "aur"
followed by 40 hex digits. Funds sent to that address can only be moved by
transactions signed with the key (aurigraph sign). Name the address in a
genesis's issuers to let the key mint.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := os.Stat(out); err == nil {
				return fmt.Errorf("--out %s exists: choose another file; keygen never overwrites a key", out)
			}
			_, key, err := ed25519.GenerateKey(rand.Reader)
			if err != nil {
				return fmt.Errorf("generate key: %w", err)
			}
			raw, err := chain.MarshalKey(key)
			if err != nil {
				return err
			}
			f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if err != nil {
				return fmt.Errorf("write key: %w", err)
			}
			if _, err := f.Write(raw); err != nil {
				f.Close()
				return fmt.Errorf("write key %s: %w", out, err)
			}
			if err := f.Close(); err != nil {
				return fmt.Errorf("write key %s: %w", out, err)
			}
			pub := key.Public().(ed25519.PublicKey)
			return json.NewEncoder(cmd.OutOrStdout()).Encode(map[string]string{
				"key": out, "pubkey": hex.EncodeToString(pub), "address": schemas.AddressOf(pub),
			})
		},
	}
	cmd.Flags().StringVar(&out, "out", "aurigraph.key", "file to write the private key to")
	return cmd
}

func newSignCommand() *cobra.Command {
	var keyFile string
	cmd := &cobra.Command{
		Use:   "sign",
		Short: "Sign transactions read from standard input",
		Long: `Reads JSON transactions from standard input (one object per line, or one
array), signs each with the key in --key (setting pubkey, sig and the derived
id) and writes them to standard output in the same JSON shape, one per line,
ready for POST /api/v12/transactions or a producer:

  echo '{"type":"transfer","from":"aur...","to":"aur...","amount":5,"nonce":1}' |
    aurigraph sign --key alice.key | curl -s -XPOST localhost:8080/api/v12/transactions -d @-`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			raw, err := os.ReadFile(keyFile)
			if err != nil {
				return fmt.Errorf("--key: %w", err)
			}
			key, err := chain.ParseKey(raw, keyFile)
			if err != nil {
				return err
			}
			return signStream(cmd.InOrStdin(), cmd.OutOrStdout(), key)
		},
	}
	cmd.Flags().StringVar(&keyFile, "key", "aurigraph.key", "the signing key, as aurigraph keygen writes it")
	return cmd
}

// signStream signs every transaction in in, objects one per line or one
// array, and writes each signed one on a line of out.
func signStream(in io.Reader, out io.Writer, key ed25519.PrivateKey) error {
	body, err := io.ReadAll(io.LimitReader(in, 64<<20))
	if err != nil {
		return fmt.Errorf("read transactions: %w", err)
	}
	var raws []json.RawMessage
	if trimmed := bytes.TrimSpace(body); len(trimmed) > 0 && trimmed[0] == '[' {
		if err := json.Unmarshal(trimmed, &raws); err != nil {
			return fmt.Errorf("read transactions: %w", err)
		}
	} else {
		sc := bufio.NewScanner(bytes.NewReader(body))
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			if line := bytes.TrimSpace(sc.Bytes()); len(line) > 0 {
				raws = append(raws, bytes.Clone(line))
			}
		}
		if err := sc.Err(); err != nil {
			return fmt.Errorf("read transactions: %w", err)
		}
	}
	if len(raws) == 0 {
		return errors.New("no transaction on standard input")
	}
	w := bufio.NewWriter(out)
	for i, raw := range raws {
		tx, err := schemas.ParseTxJSON(raw)
		if err != nil {
			return fmt.Errorf("transaction %d: %w", i, err)
		}
		tx.Id, tx.Sig = "", nil
		schemas.SignTx(tx, key)
		tx.Id = schemas.TxID(tx)
		b, err := schemas.MarshalTxJSON(tx)
		if err != nil {
			return fmt.Errorf("transaction %d: %w", i, err)
		}
		w.Write(b)
		w.WriteByte('\n')
	}
	return w.Flush()
}
