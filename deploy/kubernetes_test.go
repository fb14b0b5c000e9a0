package deploy_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/symposium-dev/symposium/internal/config"
	"github.com/symposium-dev/symposium/internal/tasks"
)

const kubeDir = "kubernetes"

// scaledObject is the part of KEDA's keda.sh/v1alpha1 ScaledObject that
// deploy/kubernetes uses, mirrored from KEDA's API so that a strict decode
// catches misspelt fields. KEDA's Go module is too large to import for this.
type scaledObject struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		ScaleTargetRef struct {
			Name       string `json:"name"`
			Kind       string `json:"kind,omitempty"`
			APIVersion string `json:"apiVersion,omitempty"`
		} `json:"scaleTargetRef"`
		MinReplicaCount *int32 `json:"minReplicaCount,omitempty"`
		MaxReplicaCount *int32 `json:"maxReplicaCount,omitempty"`
		PollingInterval *int32 `json:"pollingInterval,omitempty"`
		CooldownPeriod  *int32 `json:"cooldownPeriod,omitempty"`
		Triggers        []struct {
			Type     string            `json:"type"`
			Metadata map[string]string `json:"metadata"`
		} `json:"triggers"`
	} `json:"spec"`
}

// kustomization is the part of kustomize's Kustomization used here.
type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Namespace  string   `json:"namespace"`
	Resources  []string `json:"resources"`
	Images     []struct {
		Name   string `json:"name"`
		NewTag string `json:"newTag"`
	} `json:"images"`
}

// kube holds every object of deploy/kubernetes, decoded strictly into the
// Kubernetes API types: an unknown or misspelt field, a wrong type or a bad
// quantity fails the decode.
type kube struct {
	namespaces   []*corev1.Namespace
	secrets      []*corev1.Secret
	services     []*corev1.Service
	deployments  []*appsv1.Deployment
	statefulsets []*appsv1.StatefulSet
	ingresses    []*networkingv1.Ingress
	scaled       []*scaledObject
	kustomize    *kustomization
}

func loadKube(t *testing.T) *kube {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(kubeDir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no YAML in %s: %v", kubeDir, err)
	}
	k := &kube{}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
		for i := 0; ; i++ {
			doc, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			if len(bytes.TrimSpace(stripComments(doc))) == 0 {
				continue
			}
			where := fmt.Sprintf("%s#%d", file, i)
			if err := k.add(doc); err != nil {
				t.Errorf("%s: %v", where, err)
			}
		}
	}
	return k
}

func stripComments(doc []byte) []byte {
	var out []byte
	for line := range bytes.Lines(doc) {
		if !bytes.HasPrefix(bytes.TrimSpace(line), []byte("#")) {
			out = append(out, line...)
		}
	}
	return out
}

func (k *kube) add(doc []byte) error {
	var tm metav1.TypeMeta
	if err := yaml.Unmarshal(doc, &tm); err != nil {
		return err
	}
	var obj any
	switch tm.APIVersion + " " + tm.Kind {
	case "v1 Namespace":
		o := &corev1.Namespace{}
		k.namespaces, obj = append(k.namespaces, o), o
	case "v1 Secret":
		o := &corev1.Secret{}
		k.secrets, obj = append(k.secrets, o), o
	case "v1 Service":
		o := &corev1.Service{}
		k.services, obj = append(k.services, o), o
	case "apps/v1 Deployment":
		o := &appsv1.Deployment{}
		k.deployments, obj = append(k.deployments, o), o
	case "apps/v1 StatefulSet":
		o := &appsv1.StatefulSet{}
		k.statefulsets, obj = append(k.statefulsets, o), o
	case "networking.k8s.io/v1 Ingress":
		o := &networkingv1.Ingress{}
		k.ingresses, obj = append(k.ingresses, o), o
	case "keda.sh/v1alpha1 ScaledObject":
		o := &scaledObject{}
		k.scaled, obj = append(k.scaled, o), o
	case "kustomize.config.k8s.io/v1beta1 Kustomization":
		k.kustomize = &kustomization{}
		obj = k.kustomize
	default:
		return fmt.Errorf("kind %q of %q has no check here: add one", tm.Kind, tm.APIVersion)
	}
	if err := yaml.UnmarshalStrict(doc, obj); err != nil {
		return fmt.Errorf("%s: %w", tm.Kind, err)
	}
	if m, ok := obj.(metav1.Object); ok {
		if errs := validation.IsDNS1123Subdomain(m.GetName()); len(errs) > 0 {
			return fmt.Errorf("%s name %q: %v", tm.Kind, m.GetName(), errs)
		}
		if tm.Kind != "Namespace" && m.GetNamespace() != "symposium" {
			return fmt.Errorf("%s %s: namespace %q, want symposium", tm.Kind, m.GetName(), m.GetNamespace())
		}
	}
	return nil
}

// workload is a Deployment's or StatefulSet's name, selector and pod.
type workload struct {
	name     string
	selector *metav1.LabelSelector
	pod      corev1.PodTemplateSpec
}

func (k *kube) workloads() []workload {
	var out []workload
	for _, d := range k.deployments {
		out = append(out, workload{d.Name, d.Spec.Selector, d.Spec.Template})
	}
	for _, s := range k.statefulsets {
		out = append(out, workload{s.Name, s.Spec.Selector, s.Spec.Template})
	}
	return out
}

func (k *kube) secretKeys() map[string][]string {
	out := map[string][]string{}
	for _, s := range k.secrets {
		for key := range s.StringData {
			out[s.Name] = append(out[s.Name], key)
		}
		for key := range s.Data {
			out[s.Name] = append(out[s.Name], key)
		}
	}
	return out
}

func TestKubernetesWorkloads(t *testing.T) {
	k := loadKube(t)
	if len(k.deployments) != 2 {
		t.Fatalf("%d Deployments, want the webhook and the worker", len(k.deployments))
	}
	for _, w := range k.workloads() {
		sel, err := metav1.LabelSelectorAsSelector(w.selector)
		if err != nil || sel.Empty() || !sel.Matches(labels.Set(w.pod.Labels)) {
			t.Errorf("%s: selector %v does not select its pods %v (%v)", w.name, w.selector, w.pod.Labels, err)
		}
		spec := w.pod.Spec
		if psc := spec.SecurityContext; psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.SeccompProfile == nil {
			t.Errorf("%s: the pod must set runAsNonRoot and a seccomp profile", w.name)
		}
		for _, c := range spec.Containers {
			where := w.name + "/" + c.Name
			for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
				req, lim := c.Resources.Requests[r], c.Resources.Limits[r]
				if req.IsZero() || lim.IsZero() || lim.Cmp(req) < 0 {
					t.Errorf("%s: %s request %s, limit %s: want both, limit ≥ request", where, r, req.String(), lim.String())
				}
			}
			sc := c.SecurityContext
			if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
				sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") || len(sc.Capabilities.Add) > 0 ||
				(sc.Privileged != nil && *sc.Privileged) {
				t.Errorf("%s: want allowPrivilegeEscalation false, all capabilities dropped and none added, not privileged", where)
			}
			if c.ReadinessProbe == nil || c.LivenessProbe == nil {
				t.Errorf("%s: want a readiness and a liveness probe", where)
			}
		}
	}
}

func TestKubernetesSymposiumContainers(t *testing.T) {
	k := loadKube(t)
	secrets := k.secretKeys()
	roles := map[string]bool{}
	for _, d := range k.deployments {
		spec := d.Spec.Template.Spec
		c := spec.Containers[0]
		if !strings.Contains(c.Image, "symposium") || len(c.Args) != 1 || len(c.Command) != 0 {
			t.Errorf("%s: want the symposium image with the role as its one argument, got %s %q", d.Name, c.Image, c.Args)
			continue
		}
		role := config.Role(c.Args[0])
		roles[string(role)] = true
		where := d.Name
		ports := map[string]int32{}
		for _, p := range c.Ports {
			ports[p.Name] = p.ContainerPort
		}
		for probe, want := range map[*corev1.Probe]string{c.LivenessProbe: "/healthz", c.ReadinessProbe: "/readyz"} {
			if probe == nil || probe.HTTPGet == nil || probe.HTTPGet.Path != want || ports[probe.HTTPGet.Port.String()] == 0 {
				t.Errorf("%s: want an HTTP probe on %s at a named container port", where, want)
			}
		}
		env := map[string]string{}
		for _, e := range c.Env {
			switch {
			case e.ValueFrom == nil:
				env[e.Name] = e.Value
			case e.ValueFrom.SecretKeyRef != nil:
				ref := e.ValueFrom.SecretKeyRef
				if !slices.Contains(secrets[ref.Name], ref.Key) {
					t.Errorf("%s: %s reads key %q of Secret %q, which secret.example.yaml does not have", where, e.Name, ref.Key, ref.Name)
				}
				env[e.Name] = exampleSecretValue(k, ref.Name, ref.Key)
			default:
				t.Errorf("%s: %s: only values and Secret keys are expected", where, e.Name)
			}
		}
		if listen := env[config.EnvListen]; listen != fmt.Sprintf(":%d", ports["http"]) {
			t.Errorf("%s: %s=%q, but the http port is %d", where, config.EnvListen, listen, ports["http"])
		}
		roleEnv(t, where, role, env)
		mounts := map[string]string{}
		for _, m := range c.VolumeMounts {
			mounts[m.Name] = m.MountPath
		}
		for _, v := range spec.Volumes {
			if _, ok := mounts[v.Name]; !ok {
				t.Errorf("%s: volume %s is not mounted", where, v.Name)
			}
			if v.Secret != nil {
				for _, item := range v.Secret.Items {
					if !slices.Contains(secrets[v.Secret.SecretName], item.Key) {
						t.Errorf("%s: volume %s reads key %q of Secret %q, which it does not have", where, v.Name, item.Key, v.Secret.SecretName)
					}
				}
				if key := env[config.EnvPrivateKeyFile]; key != "" && !under(key, mounts[v.Name]) {
					t.Errorf("%s: %s=%s is not in the key's volume at %s", where, config.EnvPrivateKeyFile, key, mounts[v.Name])
				}
			}
		}
		if sc := c.SecurityContext; sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			t.Errorf("%s: want a read-only root file system", where)
		} else if !slices.ContainsFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return m.MountPath == "/var/lib/symposium" }) {
			t.Errorf("%s: the root is read-only but /var/lib/symposium (TMPDIR, CARGO_HOME) is not a volume", where)
		}
		if role == config.RoleWorker {
			checkWorkerSandbox(t, d, env)
		}
	}
	for _, role := range []string{"webhook", "worker"} {
		if !roles[role] {
			t.Errorf("no Deployment runs `symposium %s`", role)
		}
	}
}

// checkWorkerSandbox checks what bubblewrap needs and what cargo needs.
func checkWorkerSandbox(t *testing.T, d *appsv1.Deployment, env map[string]string) {
	spec := d.Spec.Template.Spec
	c := spec.Containers[0]
	if spec.HostUsers == nil || *spec.HostUsers {
		t.Errorf("%s: want hostUsers: false (procMount Unmasked needs a pod user namespace)", d.Name)
	}
	psc := spec.SecurityContext
	if psc.SeccompProfile.Type != corev1.SeccompProfileTypeUnconfined && psc.SeccompProfile.Type != corev1.SeccompProfileTypeLocalhost {
		t.Errorf("%s: seccomp %s blocks bwrap's namespaces; want Unconfined or a Localhost profile", d.Name, psc.SeccompProfile.Type)
	}
	if psc.AppArmorProfile == nil || psc.AppArmorProfile.Type != corev1.AppArmorProfileTypeUnconfined {
		t.Errorf("%s: want appArmorProfile Unconfined (the default profile denies mount)", d.Name)
	}
	if c.SecurityContext.ProcMount == nil || *c.SecurityContext.ProcMount != corev1.UnmaskedProcMount {
		t.Errorf("%s: want procMount Unmasked (bwrap mounts a fresh /proc)", d.Name)
	}
	if cpu := c.Resources.Limits[corev1.ResourceCPU]; cpu.Cmp(resource.MustParse("2")) < 0 {
		t.Errorf("%s: CPU limit %s is too small for cargo; want at least 2", d.Name, cpu.String())
	}
	if mem := c.Resources.Limits[corev1.ResourceMemory]; mem.Cmp(resource.MustParse("4Gi")) < 0 {
		t.Errorf("%s: memory limit %s is too small for rustc; want at least 4Gi", d.Name, mem.String())
	}
	shutdown, err := time.ParseDuration(env[config.EnvShutdownTimeout])
	if err != nil {
		t.Errorf("%s: %s: %v", d.Name, config.EnvShutdownTimeout, err)
	}
	if grace := spec.TerminationGracePeriodSeconds; grace == nil || time.Duration(*grace)*time.Second <= shutdown {
		t.Errorf("%s: terminationGracePeriodSeconds must exceed %s=%s", d.Name, config.EnvShutdownTimeout, shutdown)
	}
}

func exampleSecretValue(k *kube, name, key string) string {
	for _, s := range k.secrets {
		if s.Name == name {
			return s.StringData[key]
		}
	}
	return ""
}

func TestKubernetesServicesAndIngress(t *testing.T) {
	k := loadKube(t)
	servicePorts := map[string][]string{}
	for _, svc := range k.services {
		var target *workload
		for _, w := range k.workloads() {
			if labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(w.pod.Labels)) {
				target = &w
			}
		}
		if len(svc.Spec.Selector) == 0 || target == nil {
			t.Errorf("Service %s selects no workload", svc.Name)
			continue
		}
		for _, p := range svc.Spec.Ports {
			servicePorts[svc.Name] = append(servicePorts[svc.Name], p.Name)
			found := slices.ContainsFunc(target.pod.Spec.Containers, func(c corev1.Container) bool {
				return slices.ContainsFunc(c.Ports, func(cp corev1.ContainerPort) bool {
					return cp.Name == p.TargetPort.String() || fmt.Sprint(cp.ContainerPort) == p.TargetPort.String()
				})
			})
			if !found {
				t.Errorf("Service %s: targetPort %s is no port of %s", svc.Name, p.TargetPort.String(), target.name)
			}
		}
	}
	if len(k.ingresses) == 0 {
		t.Fatal("no Ingress example")
	}
	for _, ing := range k.ingresses {
		var webhook bool
		for _, rule := range ing.Spec.Rules {
			for _, p := range rule.HTTP.Paths {
				b := p.Backend.Service
				if b == nil || !slices.Contains(servicePorts[b.Name], b.Port.Name) {
					t.Errorf("Ingress %s: path %s goes to no known Service port", ing.Name, p.Path)
				}
				if p.PathType == nil || !slices.Contains([]networkingv1.PathType{networkingv1.PathTypeExact, networkingv1.PathTypePrefix}, *p.PathType) {
					t.Errorf("Ingress %s: path %s: pathType must be Exact or Prefix", ing.Name, p.Path)
				}
				webhook = webhook || p.Path == "/webhook"
			}
		}
		if !webhook {
			t.Errorf("Ingress %s does not route /webhook", ing.Name)
		}
	}
}

func TestKubernetesScaling(t *testing.T) {
	k := loadKube(t)
	if len(k.scaled) != 1 {
		t.Fatalf("%d ScaledObjects, want 1", len(k.scaled))
	}
	so := k.scaled[0]
	var worker *appsv1.Deployment
	for _, d := range k.deployments {
		if d.Name == so.Spec.ScaleTargetRef.Name {
			worker = d
		}
	}
	if worker == nil || worker.Spec.Template.Spec.Containers[0].Args[0] != "worker" {
		t.Fatalf("ScaledObject scales %q, which is not the worker Deployment", so.Spec.ScaleTargetRef.Name)
	}
	if so.Spec.MinReplicaCount == nil || *so.Spec.MinReplicaCount < 1 {
		t.Error("minReplicaCount must keep a worker for the tasks in flight, which the pending lists do not count")
	}
	var lists []string
	for _, trig := range so.Spec.Triggers {
		if trig.Type != "redis" {
			t.Errorf("trigger type %q, want redis", trig.Type)
			continue
		}
		lists = append(lists, trig.Metadata["listName"])
		if host, port, _ := strings.Cut(trig.Metadata["address"], ":"); !k.hasService(host, port) {
			t.Errorf("trigger address %q is no Service of deploy/kubernetes", trig.Metadata["address"])
		}
		if trig.Metadata["listLength"] == "" {
			t.Error("trigger has no listLength")
		}
	}
	for _, q := range []string{tasks.QueueCommands, tasks.QueueReviews} {
		if want := pendingKey(q); !slices.Contains(lists, want) {
			t.Errorf("no trigger on %s; triggers on %q", want, lists)
		}
	}
}

// hasService reports whether host ("name.namespace.svc") and port name a
// Service port here.
func (k *kube) hasService(host, port string) bool {
	return slices.ContainsFunc(k.services, func(s *corev1.Service) bool {
		return (host == s.Name+"."+s.Namespace+".svc" || host == s.Name+"."+s.Namespace+".svc.cluster.local") &&
			slices.ContainsFunc(s.Spec.Ports, func(p corev1.ServicePort) bool { return fmt.Sprint(p.Port) == port })
	})
}

func TestKustomizationListsTheFiles(t *testing.T) {
	k := loadKube(t)
	if k.kustomize == nil {
		t.Fatal("no kustomization.yaml")
	}
	// Left out on purpose: examples to adapt, and what needs KEDA.
	optional := []string{"secret.example.yaml", "ingress.yaml", "worker-keda.yaml", "kustomization.yaml"}
	files, _ := filepath.Glob(filepath.Join(kubeDir, "*.yaml"))
	for _, f := range files {
		base := filepath.Base(f)
		if !slices.Contains(k.kustomize.Resources, base) && !slices.Contains(optional, base) {
			t.Errorf("%s is neither in kustomization.yaml nor an optional example", base)
		}
	}
	for _, r := range k.kustomize.Resources {
		if _, err := os.Stat(filepath.Join(kubeDir, r)); err != nil {
			t.Errorf("kustomization.yaml lists %s: %v", r, err)
		}
	}
}
