package validate

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	k8syaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// k8sDecoder decodes the API groups the manifests use, strictly: an unknown
// or repeated field is an error, as `kubectl apply --validate=strict` makes it.
func k8sDecoder(t *testing.T) runtime.Decoder {
	t.Helper()
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{corev1.AddToScheme, appsv1.AddToScheme, policyv1.AddToScheme} {
		if err := add(scheme); err != nil {
			t.Fatal(err)
		}
	}
	return serializer.NewCodecFactory(scheme, serializer.EnableStrict).UniversalDeserializer()
}

// decodeManifests decodes every YAML document of data.
func decodeManifests(dec runtime.Decoder, data []byte) ([]runtime.Object, error) {
	r := k8syaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var objs []runtime.Object
	for i := 0; ; i++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(stripComments(doc))) == 0 {
			continue
		}
		obj, gvk, err := dec.Decode(doc, nil, nil)
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i+1, err)
		}
		if gvk.Version == "" || gvk.Kind == "" {
			return nil, fmt.Errorf("document %d: no apiVersion or kind", i+1)
		}
		objs = append(objs, obj)
	}
}

func stripComments(doc []byte) []byte {
	var out []byte
	for _, line := range bytes.Split(doc, []byte("\n")) {
		if !bytes.HasPrefix(bytes.TrimSpace(line), []byte("#")) {
			out = append(append(out, line...), '\n')
		}
	}
	return out
}

// kustomization is the part of kustomization.yaml the manifests use;
// decoding it strictly catches a misspelt field.
type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Namespace  string   `json:"namespace"`
	Resources  []string `json:"resources"`
	Images     []struct {
		Name    string `json:"name"`
		NewName string `json:"newName"`
		NewTag  string `json:"newTag"`
	} `json:"images"`
}

// TestKubernetesDecoderIsStrict makes sure a misspelt field fails.
func TestKubernetesDecoderIsStrict(t *testing.T) {
	dec := k8sDecoder(t)
	for _, bad := range []string{
		"apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: x}\nspec: {replica: 3}\n",
		"apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec: {clusterIP: None, clusterIP: None}\n",
		"apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: x}\nspec: {maxUnavailable: 1, selector: {matchLabel: {a: b}}}\n",
		"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {template: {spec: {containers: [{name: a, readinessprobe: {}}]}}}\n",
		"apiVersion: v9\nkind: Service\nmetadata: {name: x}\n",
	} {
		if _, err := decodeManifests(dec, []byte(bad)); err == nil {
			t.Errorf("decoded without error:\n%s", bad)
		}
	}
}

// k8sObjects decodes every manifest of deploy/k8s.
func k8sObjects(t *testing.T) (map[string][]runtime.Object, kustomization) {
	t.Helper()
	dir := filepath.Join(deployDir(t), "k8s")
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in %s: %v", dir, err)
	}
	dec := k8sDecoder(t)
	objs := map[string][]runtime.Object{}
	var k kustomization
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Base(f) == "kustomization.yaml" {
			if err := yaml.UnmarshalStrict(data, &k); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			continue
		}
		o, err := decodeManifests(dec, data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		objs[filepath.Base(f)] = o
	}
	return objs, k
}

func TestKubernetesManifests(t *testing.T) {
	objs, k := k8sObjects(t)
	var files []string
	for f := range objs {
		files = append(files, f)
	}
	slices.Sort(files)
	res := slices.Clone(k.Resources)
	slices.Sort(res)
	if !slices.Equal(files, res) {
		t.Errorf("kustomization.yaml resources %q, but deploy/k8s holds %q", k.Resources, files)
	}
	if k.Kind != "Kustomization" || k.Namespace == "" {
		t.Errorf("kustomization.yaml: kind %q namespace %q", k.Kind, k.Namespace)
	}
	checkCluster(t, flatten(objs))
}

// TestKubernetesRendered decodes what kustomize makes of deploy/k8s, when
// kubectl is at hand.
func TestKubernetesRendered(t *testing.T) {
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		if os.Getenv("AURIGRAPH_REQUIRE_DEPLOY") != "" {
			t.Fatal("kubectl not found; it renders deploy/k8s with kustomize")
		}
		t.Skip("kubectl not found")
	}
	out, err := exec.Command(kubectl, "kustomize", filepath.Join(deployDir(t), "k8s")).Output()
	if err != nil {
		t.Fatalf("kubectl kustomize deploy/k8s: %v", err)
	}
	objs, err := decodeManifests(k8sDecoder(t), out)
	if err != nil {
		t.Fatalf("kubectl kustomize deploy/k8s: %v", err)
	}
	for _, o := range objs {
		m := o.(interface{ GetNamespace() string })
		if _, ns := o.(*corev1.Namespace); !ns && m.GetNamespace() != "aurigraph" {
			t.Errorf("%T rendered in namespace %q", o, m.GetNamespace())
		}
	}
	checkCluster(t, objs)
}

func flatten(m map[string][]runtime.Object) []runtime.Object {
	var all []runtime.Object
	for _, o := range m {
		all = append(all, o...)
	}
	return all
}

// envRef is $(NAME) in a container's arguments, which Kubernetes expands
// from the container's environment.
var envRef = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)

// checkCluster checks what makes the manifests work together, beyond each
// object being well-formed.
func checkCluster(t *testing.T, objs []runtime.Object) {
	t.Helper()
	var (
		services []*corev1.Service
		configs  = map[string]*corev1.ConfigMap{}
		pdbs     []*policyv1.PodDisruptionBudget
		sts      []*appsv1.StatefulSet
		deps     []*appsv1.Deployment
	)
	for _, o := range objs {
		switch v := o.(type) {
		case *corev1.Service:
			services = append(services, v)
		case *corev1.ConfigMap:
			configs[v.Name] = v
		case *policyv1.PodDisruptionBudget:
			pdbs = append(pdbs, v)
		case *appsv1.StatefulSet:
			sts = append(sts, v)
		case *appsv1.Deployment:
			deps = append(deps, v)
		}
	}
	byComponent := map[string]*appsv1.Deployment{}
	for _, d := range deps {
		byComponent[d.Spec.Template.Labels["app.kubernetes.io/component"]] = d
	}
	dep, proj := byComponent["gateway"], byComponent["projector"]
	if len(sts) != 1 || len(deps) != 2 || dep == nil || proj == nil {
		t.Fatalf("want one StatefulSet (validators) and two Deployments (gateways, projector), have %d and %d", len(sts), len(deps))
	}
	type workload struct {
		name string
		sel  *metav1.LabelSelector
		tmpl corev1.PodTemplateSpec
		// pdb: whether a disruption budget must guard it; a single
		// replica gets none, which would only block node drains.
		pdb bool
	}
	ss := sts[0]
	workloads := []workload{
		{"StatefulSet " + ss.Name, ss.Spec.Selector, ss.Spec.Template, true},
		{"Deployment " + dep.Name, dep.Spec.Selector, dep.Spec.Template, true},
		{"Deployment " + proj.Name, proj.Spec.Selector, proj.Spec.Template, false},
	}
	for _, w := range workloads {
		sel, err := metav1.LabelSelectorAsSelector(w.sel)
		if err != nil || !sel.Matches(labels.Set(w.tmpl.Labels)) {
			t.Errorf("%s: selector does not match its pods' labels (%v)", w.name, err)
		}
		checkPod(t, w.name, w.tmpl.Spec, configs)
	}

	// Validators: pod N is validator N, and every validator is in --peers
	// under the name the headless Service gives its pod.
	if ss.Spec.Ordinals == nil || ss.Spec.Ordinals.Start != 1 {
		t.Errorf("StatefulSet %s: ordinals.start must be 1, so that the pod index is a validator id (ids start at 1)", ss.Name)
	}
	if ss.Spec.PodManagementPolicy != appsv1.ParallelPodManagement {
		t.Errorf("StatefulSet %s: podManagementPolicy must be Parallel: ordered start waits for a quorum that the pods not yet started cannot give", ss.Name)
	}
	var headless *corev1.Service
	for _, s := range services {
		if s.Name == ss.Spec.ServiceName {
			headless = s
		}
	}
	switch {
	case headless == nil:
		t.Errorf("StatefulSet %s: no Service %q", ss.Name, ss.Spec.ServiceName)
	case headless.Spec.ClusterIP != corev1.ClusterIPNone || !headless.Spec.PublishNotReadyAddresses:
		t.Errorf("Service %s: must be headless and publish not-ready addresses, so validators find each other before any is ready", headless.Name)
	}
	c := ss.Spec.Template.Spec.Containers[0]
	args := expandArgs(t, c, configs, map[string]string{"POD_INDEX": "1"})
	peers := flagValue(args, "peers")
	replicas := int32(1)
	if ss.Spec.Replicas != nil {
		replicas = *ss.Spec.Replicas
	}
	raftPort := containerPort(c, "raft")
	var want []string
	for i := int32(1); i <= replicas; i++ {
		want = append(want, fmt.Sprintf("%d=%s-%d.%s:%d", i, ss.Name, i, ss.Spec.ServiceName, raftPort))
	}
	if peers != strings.Join(want, ",") {
		t.Errorf("StatefulSet %s: --peers %q, want %q (every replica, by its pod name under the headless Service)", ss.Name, peers, strings.Join(want, ","))
	}
	podIndex := false
	for _, e := range c.Env {
		if e.Name == "POD_INDEX" && e.ValueFrom != nil && e.ValueFrom.FieldRef != nil &&
			e.ValueFrom.FieldRef.FieldPath == "metadata.labels['apps.kubernetes.io/pod-index']" {
			podIndex = true
		}
	}
	if !podIndex || flagValue(args, "id") != "1" {
		t.Errorf("StatefulSet %s: --id must be $(POD_INDEX), from the pod-index label", ss.Name)
	}
	if lis := flagValue(args, "raft-listen"); !strings.HasSuffix(lis, ":"+strconv.Itoa(int(raftPort))) {
		t.Errorf("StatefulSet %s: --raft-listen %q is not the raft port %d", ss.Name, lis, raftPort)
	}

	// Every Service and disruption budget selects pods that exist, on ports
	// they name.
	for _, s := range services {
		var match []workload
		for _, w := range workloads {
			if labels.SelectorFromSet(s.Spec.Selector).Matches(labels.Set(w.tmpl.Labels)) {
				match = append(match, w)
			}
		}
		if len(match) != 1 {
			t.Errorf("Service %s selects %d workloads, want 1", s.Name, len(match))
			continue
		}
		for _, p := range s.Spec.Ports {
			if containerPort(match[0].tmpl.Spec.Containers[0], p.TargetPort.StrVal) == 0 {
				t.Errorf("Service %s: port %s targets %q, which %s does not name", s.Name, p.Name, p.TargetPort.StrVal, match[0].name)
			}
		}
	}
	for _, w := range workloads {
		n := 0
		for _, p := range pdbs {
			sel, err := metav1.LabelSelectorAsSelector(p.Spec.Selector)
			if err == nil && sel.Matches(labels.Set(w.tmpl.Labels)) {
				n++
			}
		}
		if want := map[bool]int{true: 1, false: 0}[w.pdb]; n != want {
			t.Errorf("%s: %d PodDisruptionBudgets select it, want %d", w.name, n, want)
		}
	}
	checkProjection(t, proj, dep, configs)
	for _, p := range pdbs {
		if p.Spec.MaxUnavailable == nil && p.Spec.MinAvailable == nil {
			t.Errorf("PodDisruptionBudget %s allows everything", p.Name)
		}
	}
}

// checkProjection checks that one projector writes the ClickHouse server
// the gateways' analytics read.
func checkProjection(t *testing.T, proj, gw *appsv1.Deployment, configs map[string]*corev1.ConfigMap) {
	t.Helper()
	if proj.Spec.Replicas == nil || *proj.Spec.Replicas != 1 || proj.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
		t.Errorf("Deployment %s: one replica, replaced by Recreate: one projector per ClickHouse database, and the new one should not wait for the old one's claim", proj.Name)
	}
	args := expandArgs(t, proj.Spec.Template.Spec.Containers[0], configs, nil)
	if len(args) < 2 || args[0] != "projector" || args[1] != "run" {
		t.Fatalf("Deployment %s runs %q, want aurigraph projector run", proj.Name, args)
	}
	server := flagValue(args, "clickhouse")
	if server == "" {
		t.Errorf("Deployment %s: no --clickhouse: it would project into an engine of its own that no gateway reads", proj.Name)
	}
	if got := flagValue(expandArgs(t, gw.Spec.Template.Spec.Containers[0], configs, nil), "clickhouse"); got != server {
		t.Errorf("Deployment %s: --clickhouse %q, want the projector's %q", gw.Name, got, server)
	}
}

// checkPod checks one pod template: non-root, read-only, probes on the
// health endpoints of the port --http listens on, resources, and arguments
// that aurigraph accepts.
func checkPod(t *testing.T, name string, pod corev1.PodSpec, configs map[string]*corev1.ConfigMap) {
	t.Helper()
	if sc := pod.SecurityContext; sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser == 0 ||
		sc.FSGroup == nil || sc.SeccompProfile == nil {
		t.Errorf("%s: the pod must run as a non-root user, with an fsGroup (volumes readable by it) and a seccomp profile", name)
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("%s: want one container, have %d", name, len(pod.Containers))
	}
	c := pod.Containers[0]
	sc := c.SecurityContext
	if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
		t.Errorf("%s: the container must have a read-only root file system, no privilege escalation and no capabilities", name)
	}
	if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
		t.Errorf("%s: set CPU and memory requests and a memory limit", name)
	}
	args := expandArgs(t, c, configs, map[string]string{"POD_INDEX": "1"})
	checkArgs(t, name, args)
	_, httpPort, _ := strings.Cut(flagValue(args, "http"), ":")
	tls := flagValue(args, "http-tls-cert") != ""
	for _, p := range []struct {
		kind  string
		probe *corev1.Probe
		path  string
	}{{"readiness", c.ReadinessProbe, "/q/health"}, {"liveness", c.LivenessProbe, "/q/health/live"}} {
		g := (*corev1.HTTPGetAction)(nil)
		if p.probe != nil {
			g = p.probe.HTTPGet
		}
		if g == nil || g.Path != p.path {
			t.Errorf("%s: the %s probe must GET %s", name, p.kind, p.path)
			continue
		}
		if strconv.Itoa(int(containerPort(c, g.Port.StrVal))) != httpPort {
			t.Errorf("%s: the %s probe asks port %q, but --http listens on %s", name, p.kind, g.Port.String(), httpPort)
		}
		if (g.Scheme == corev1.URISchemeHTTPS) != tls {
			t.Errorf("%s: the %s probe's scheme %q does not match --http-tls-cert", name, p.kind, g.Scheme)
		}
	}
	mounts := map[string]string{}
	for _, m := range c.VolumeMounts {
		mounts[m.MountPath] = m.Name
	}
	for _, a := range args {
		_, v, _ := strings.Cut(a, "=")
		if !strings.HasPrefix(v, "/") {
			continue
		}
		covered := false
		for mp := range mounts {
			if v == mp || strings.HasPrefix(v, mp+"/") {
				covered = true
			}
		}
		if !covered {
			t.Errorf("%s: %s names a path on no volume (the root file system is read-only and the image holds no such file)", name, a)
		}
	}
	if _, ok := mounts["/tmp"]; !ok {
		t.Errorf("%s: mount a volume on /tmp: the root file system is read-only", name)
	}
}

// expandArgs expands $(VAR) in c's arguments from its environment: literal
// values, ConfigMap keys and envFrom ConfigMaps; fields come from fields.
// A reference that nothing defines fails the test.
func expandArgs(t *testing.T, c corev1.Container, configs map[string]*corev1.ConfigMap, fields map[string]string) []string {
	t.Helper()
	env := map[string]string{}
	for _, ef := range c.EnvFrom {
		if ef.ConfigMapRef == nil {
			continue
		}
		cm, ok := configs[ef.ConfigMapRef.Name]
		if !ok {
			t.Errorf("container %s: envFrom ConfigMap %q is not among the manifests", c.Name, ef.ConfigMapRef.Name)
			continue
		}
		for k, v := range cm.Data {
			env[k] = v
		}
	}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom == nil:
			env[e.Name] = e.Value
		case e.ValueFrom.ConfigMapKeyRef != nil:
			ref := e.ValueFrom.ConfigMapKeyRef
			v, ok := configs[ref.Name].Data[ref.Key]
			if configs[ref.Name] == nil || !ok {
				t.Errorf("container %s: env %s names key %q of ConfigMap %q, which does not exist", c.Name, e.Name, ref.Key, ref.Name)
			}
			env[e.Name] = v
		case e.ValueFrom.FieldRef != nil:
			v, ok := fields[e.Name]
			if !ok {
				t.Errorf("container %s: env %s from a field the check does not know", c.Name, e.Name)
			}
			env[e.Name] = v
		}
	}
	var out []string
	for _, a := range c.Args {
		out = append(out, envRef.ReplaceAllStringFunc(a, func(ref string) string {
			name := envRef.FindStringSubmatch(ref)[1]
			v, ok := env[name]
			if !ok {
				t.Errorf("container %s: argument %q refers to $(%s), which its environment does not define", c.Name, a, name)
			}
			return v
		}))
	}
	return out
}

// flagValue is the value of --name=value in args, or "".
func flagValue(args []string, name string) string {
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "--"+name+"="); ok {
			return v
		}
	}
	return ""
}

func containerPort(c corev1.Container, name string) int32 {
	for _, p := range c.Ports {
		if p.Name == name {
			return p.ContainerPort
		}
	}
	return 0
}
