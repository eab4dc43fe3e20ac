package kafkatopic

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

func cluster(t *testing.T, opts ...kfake.Opt) *kgo.Client {
	t.Helper()
	c, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(1)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

func TestDescribeSeesARecreatedTopicAtOnce(t *testing.T) {
	cl := cluster(t, kfake.SeedTopics(3, "t"))
	ctx := context.Background()
	before, err := Describe(ctx, cl, "t")
	if err != nil || len(before.ID) != 16 || len(before.Partitions) != 3 {
		t.Fatalf("Describe = %+v, %v", before, err)
	}
	adm := kadm.NewClient(cl)
	if _, err := adm.DeleteTopics(ctx, "t"); err != nil {
		t.Fatal(err)
	}
	if _, err := Describe(ctx, cl, "t"); !errors.Is(err, kerr.UnknownTopicOrPartition) {
		t.Fatalf("Describe of a deleted topic = %v, want UnknownTopicOrPartition", err)
	}
	if _, err := adm.CreateTopic(ctx, 2, 1, nil, "t"); err != nil {
		t.Fatal(err)
	}
	after, err := Describe(ctx, cl, "t")
	if err != nil || bytes.Equal(after.ID, before.ID) || len(after.Partitions) != 2 {
		t.Fatalf("Describe after recreation = %+v, %v; want a new id and 2 partitions", after, err)
	}

	watchCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := Watch(watchCtx, cl, "t", before.ID, 10*time.Millisecond); !errors.Is(err, ErrReplaced) {
		t.Fatalf("Watch with the old id = %v, want ErrReplaced", err)
	}
	quiet, cancel2 := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel2()
	if err := Watch(quiet, cl, "t", after.ID, 10*time.Millisecond); err != nil {
		t.Fatalf("Watch with the current id = %v, want nil at the end of its context", err)
	}
}

func TestMaxMessageBytes(t *testing.T) {
	cl := cluster(t, kfake.SeedTopics(1, "t"))
	ctx := context.Background()
	if n, err := MaxMessageBytes(ctx, cl, "t"); err != nil || n != 1048588 {
		t.Fatalf("default limit = %d, %v; want Kafka's 1048588", n, err)
	}
	limit := "200000"
	if _, err := kadm.NewClient(cl).CreateTopic(ctx, 1, 1, map[string]*string{"max.message.bytes": &limit}, "small"); err != nil {
		t.Fatal(err)
	}
	if n, err := MaxMessageBytes(ctx, cl, "small"); err != nil || n != 200000 {
		t.Fatalf("topic limit = %d, %v; want 200000", n, err)
	}
	if n, err := MaxMessageBytes(ctx, cl, "missing"); err != nil || n != 1048588 {
		t.Fatalf("limit of a topic not created yet = %d, %v; want the broker's", n, err)
	}
}

func TestTopicIDText(t *testing.T) {
	id := bytes.Repeat([]byte{0xfb}, 16)
	text := FormatID(id)
	for _, s := range []string{text, text + "==", "+/v7+/v7+/v7+/v7+/v7+w==", "+/v7+/v7+/v7+/v7+/v7+w"} {
		if got, err := ParseID(s); err != nil || !bytes.Equal(got, id) {
			t.Errorf("ParseID(%q) = %x, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "abc", FormatID(id[:8])} {
		if _, err := ParseID(s); err == nil {
			t.Errorf("ParseID(%q) accepted", s)
		}
	}
	if FormatID(nil) != "(none)" {
		t.Error("FormatID(nil)")
	}
}

// AwaitCreated rides out the moment a broker does not know a topic just
// created (Apache Kafka's brokers learn of it after the controller), and
// gives up with its context.
func TestAwaitCreated(t *testing.T) {
	cl := cluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	created := make(chan error, 1)
	go func() {
		time.Sleep(300 * time.Millisecond)
		_, err := kadm.NewClient(cl).CreateTopic(ctx, 2, 1, nil, "late")
		created <- err
	}()
	m, err := AwaitCreated(ctx, cl, "late")
	if err != nil || len(m.Partitions) != 2 || len(m.ID) != 16 {
		t.Fatalf("AwaitCreated = %+v, %v; want the topic's 2 partitions and its id", m, err)
	}
	if err := <-created; err != nil {
		t.Fatal(err)
	}

	short, cancel2 := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel2()
	if _, err := AwaitCreated(short, cl, "never"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("AwaitCreated of a topic never created = %v, want the context's deadline", err)
	}
}
