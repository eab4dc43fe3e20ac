// Package policy is the one table that decides who may do what: every REST
// route, every gRPC method and every stream names an action here, and every
// role is granted a set of actions. Enforcement points (internal/access)
// look decisions up here and nowhere else; a route or method missing from
// the table is refused, and the table test fails on it.
package policy

import (
	"slices"

	"github.com/aurigraph/aurigraph/internal/auth"
	"github.com/aurigraph/aurigraph/schemas"
)

// Action is one kind of thing a principal may do.
type Action string

// The actions. Public needs no principal; Self is open to any principal,
// anonymous ones included where anonymous access is allowed.
const (
	Public            Action = "public"
	Self              Action = "self"
	ChainRead         Action = "chain.read"
	StreamSubscribe   Action = "stream.subscribe"
	AnalyticsRead     Action = "analytics.read"
	MetricsRead       Action = "metrics.read"
	TxSubmit          Action = "tx.submit"
	ProjectionRebuild Action = "projection.rebuild"
	AlertsManage      Action = "alerts.manage"
	ClusterManage     Action = "cluster.manage"
	KeysManage        Action = "keys.manage"
	TenantsManage     Action = "tenants.manage"
	Debug             Action = "debug"
	// Backup reads a validator's whole state and chain at once.
	Backup Action = "backup"
	// ChainWrite is what the validators' service accounts do on the Kafka
	// port: consume the transaction topic, write the blocks and dead-letter
	// topics.
	ChainWrite Action = "chain.write"
	// TopicsManage is every operation on the Kafka port: creating and
	// deleting topics, changing their configuration and the ACLs.
	TopicsManage Action = "topics.manage"
)

// grants lists what each role adds to the role below it.
var grants = map[auth.Role][]Action{
	auth.RoleNone:      {Self},
	auth.RoleViewer:    {ChainRead, StreamSubscribe, AnalyticsRead, MetricsRead},
	auth.RoleSubmitter: {TxSubmit},
	auth.RoleOperator:  {ProjectionRebuild, AlertsManage},
	auth.RoleValidator: {ChainWrite},
	auth.RoleAdmin:     {ClusterManage, KeysManage, TenantsManage, Debug, TopicsManage, Backup},
}

// Allowed reports whether role may perform action.
func Allowed(role auth.Role, action Action) bool {
	if action == Public {
		return true
	}
	for r := auth.RoleNone; r <= role && r <= auth.RoleAdmin; r++ {
		if slices.Contains(grants[r], action) {
			return true
		}
	}
	return false
}

// Actions lists what role may do, in the order of the grants.
func Actions(role auth.Role) []Action {
	var out []Action
	for r := auth.RoleNone; r <= role && r <= auth.RoleAdmin; r++ {
		out = append(out, grants[r]...)
	}
	return out
}

// Privileged actions change the system or reveal its internals: each use is
// an audit event. Submissions are not: the chain itself records every
// transaction and its signer, and refused submissions are audited as
// every refusal is.
func Privileged(a Action) bool {
	switch a {
	case ProjectionRebuild, AlertsManage, ClusterManage, KeysManage, TenantsManage, Debug, TopicsManage, Backup:
		return true
	}
	return false
}

// Limit names the rate limit class of an action: submissions, and reads
// that cost the server more than a lookup.
type Limit string

// Rate limit classes.
const (
	LimitNone   Limit = ""
	LimitSubmit Limit = "submit"
	LimitRead   Limit = "expensive_read"
)

// Rule is the table's entry for one route or method.
type Rule struct {
	Action Action
	Limit  Limit
}

// Routes is every REST route the HTTP port serves, as http.ServeMux
// patterns relative to the root, with its rule.
var Routes = map[string]Rule{
	"GET /q/health":       {Action: Public},
	"GET /q/health/live":  {Action: Public},
	"GET /q/health/ready": {Action: Public},
	// The web portal's page and files: what a signed-out visitor needs to
	// sign in; the data they show passes its own routes' rules.
	"/":                        {Action: Public},
	"GET /metrics":             {Action: MetricsRead},
	"GET /debug/pprof/":        {Action: Debug},
	"GET /debug/pprof/cmdline": {Action: Debug},
	"GET /debug/pprof/profile": {Action: Debug},
	"GET /debug/pprof/symbol":  {Action: Debug},
	"GET /debug/pprof/trace":   {Action: Debug},

	"GET /api/v12/auth/config":       {Action: Public},
	"GET /api/v12/auth/me":           {Action: Self},
	"POST /api/v12/auth/ticket":      {Action: Self},
	"GET /api/v12/auth/keys":         {Action: KeysManage},
	"POST /api/v12/auth/keys":        {Action: KeysManage},
	"DELETE /api/v12/auth/keys/{id}": {Action: KeysManage},

	"POST /api/v12/transactions":           {Action: TxSubmit, Limit: LimitSubmit},
	"GET /api/v12/transactions/{id}":       {Action: ChainRead},
	"GET /api/v12/blocks/latest":           {Action: ChainRead},
	"GET /api/v12/blocks/{height}":         {Action: ChainRead},
	"GET /api/v12/chain/stats":             {Action: ChainRead},
	"GET /api/v12/chain/verify":            {Action: ChainRead, Limit: LimitRead},
	"GET /api/v12/chain/genesis":           {Action: ChainRead},
	"GET /api/v12/validators":              {Action: ChainRead},
	"GET /api/v12/validators/keys":         {Action: ChainRead},
	"GET /api/v12/cluster/status":          {Action: ChainRead},
	"POST /api/v12/cluster/members":        {Action: ClusterManage},
	"DELETE /api/v12/cluster/members/{id}": {Action: ClusterManage},
	"POST /api/v12/cluster/leader":         {Action: ClusterManage},
	"GET /api/v12/admin/backup":            {Action: Backup, Limit: LimitRead},
	"GET /api/v12/blocks":                  {Action: ChainRead},
	"GET /api/v12/search":                  {Action: ChainRead},

	"POST /api/v12/alerts/rules":        {Action: AlertsManage},
	"GET /api/v12/alerts/rules":         {Action: AlertsManage},
	"GET /api/v12/alerts/rules/{id}":    {Action: AlertsManage},
	"PUT /api/v12/alerts/rules/{id}":    {Action: AlertsManage},
	"DELETE /api/v12/alerts/rules/{id}": {Action: AlertsManage},
	// Transitions are what the live stream shows its subscribers; they
	// carry no webhook destination or secret.
	"GET /api/v12/alerts/history": {Action: ChainRead},

	"GET /api/v12/live/stream": {Action: StreamSubscribe},
	"GET /api/v12/live/events": {Action: StreamSubscribe},
	"GET /api/v12/performance": {Action: ChainRead},

	"GET /api/v12/analytics/{$}":                        {Action: AnalyticsRead},
	"GET /api/v12/analytics/series":                     {Action: AnalyticsRead, Limit: LimitRead},
	"GET /api/v12/analytics/latency":                    {Action: AnalyticsRead, Limit: LimitRead},
	"GET /api/v12/analytics/validators":                 {Action: AnalyticsRead, Limit: LimitRead},
	"GET /api/v12/analytics/top/{what}":                 {Action: AnalyticsRead, Limit: LimitRead},
	"GET /api/v12/analytics/accounts/{address}":         {Action: AnalyticsRead, Limit: LimitRead},
	"GET /api/v12/analytics/compare":                    {Action: AnalyticsRead, Limit: LimitRead},
	"GET /api/v12/analytics/forecast":                   {Action: AnalyticsRead, Limit: LimitRead},
	"GET /api/v12/analytics/anomalies":                  {Action: AnalyticsRead, Limit: LimitRead},
	"GET /api/v12/analytics/export":                     {Action: AnalyticsRead, Limit: LimitRead},
	"GET /api/v12/analytics/blocks":                     {Action: AnalyticsRead, Limit: LimitRead},
	"GET /api/v12/analytics/accounts/{address}/history": {Action: AnalyticsRead, Limit: LimitRead},
	"GET /api/v12/analytics/assets/{asset}":             {Action: AnalyticsRead, Limit: LimitRead},
	"GET /api/v12/analytics/leaders":                    {Action: AnalyticsRead, Limit: LimitRead},
}

// Methods is every gRPC method the public gRPC port serves, by full name,
// with its rule.
var Methods = map[string]Rule{
	"/grpc.health.v1.Health/Check": {Action: Public},
	"/grpc.health.v1.Health/List":  {Action: Public},
	"/grpc.health.v1.Health/Watch": {Action: Public},
	// The schema is public (the generated clients are published with it).
	"/grpc.reflection.v1.ServerReflection/ServerReflectionInfo":      {Action: Public},
	"/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo": {Action: Public},

	"/aurigraph.v1.AuthService/WhoAmI":    {Action: Self},
	"/aurigraph.v1.AuthService/CreateKey": {Action: KeysManage},
	"/aurigraph.v1.AuthService/ListKeys":  {Action: KeysManage},
	"/aurigraph.v1.AuthService/RevokeKey": {Action: KeysManage},

	"/aurigraph.v1.TransactionService/Submit":       {Action: TxSubmit, Limit: LimitSubmit},
	"/aurigraph.v1.TransactionService/SubmitBatch":  {Action: TxSubmit, Limit: LimitSubmit},
	"/aurigraph.v1.TransactionService/SubmitStream": {Action: TxSubmit, Limit: LimitSubmit},
	"/aurigraph.v1.TransactionService/Get":          {Action: ChainRead},
	"/aurigraph.v1.TransactionService/Status":       {Action: ChainRead},

	"/aurigraph.v1.BlockService/Get":    {Action: ChainRead},
	"/aurigraph.v1.BlockService/Latest": {Action: ChainRead},
	"/aurigraph.v1.BlockService/List":   {Action: ChainRead},

	"/aurigraph.v1.ValidatorService/Leader":       {Action: ChainRead},
	"/aurigraph.v1.ValidatorService/Status":       {Action: ChainRead},
	"/aurigraph.v1.ValidatorService/List":         {Action: ChainRead},
	"/aurigraph.v1.ValidatorService/AddMember":    {Action: ClusterManage},
	"/aurigraph.v1.ValidatorService/RemoveMember": {Action: ClusterManage},

	"/aurigraph.v1.PerformanceService/Current":  {Action: ChainRead},
	"/aurigraph.v1.PerformanceService/Series":   {Action: AnalyticsRead, Limit: LimitRead},
	"/aurigraph.v1.PerformanceService/Forecast": {Action: AnalyticsRead, Limit: LimitRead},

	"/aurigraph.v1.StreamService/Subscribe": {Action: StreamSubscribe},

	"/aurigraph.v1.AlertService/CreateRule":  {Action: AlertsManage},
	"/aurigraph.v1.AlertService/ListRules":   {Action: AlertsManage},
	"/aurigraph.v1.AlertService/GetRule":     {Action: AlertsManage},
	"/aurigraph.v1.AlertService/UpdateRule":  {Action: AlertsManage},
	"/aurigraph.v1.AlertService/DeleteRule":  {Action: AlertsManage},
	"/aurigraph.v1.AlertService/ListHistory": {Action: ChainRead},
}

// KafkaResource is a kind of resource of the Kafka port, as Kafka's ACLs
// name them.
type KafkaResource string

// Kafka resources.
const (
	KafkaTopic   KafkaResource = "topic"
	KafkaGroup   KafkaResource = "group"
	KafkaCluster KafkaResource = "cluster"
)

// KafkaOp is an operation on a Kafka resource, as Kafka's ACLs name it.
// Read, write and alter imply describe, as in Kafka.
type KafkaOp string

// Kafka operations the table grants.
const (
	KafkaRead            KafkaOp = "read"
	KafkaWrite           KafkaOp = "write"
	KafkaDescribeConfigs KafkaOp = "describe_configs"
)

// KafkaGrant allows one operation on one resource; Name "*" is every
// resource of its kind.
type KafkaGrant struct {
	Resource KafkaResource
	Name     string
	Op       KafkaOp
}

// KafkaGrants is what each action allows on the Kafka port (the embedded
// broker's ACLs, and the ACLs SECURITY.md lists for an external cluster).
// Principals allowed TopicsManage (admins) may do everything there, and are
// the only ones who create, delete or reconfigure topics.
var KafkaGrants = map[Action][]KafkaGrant{
	// Readers read blocks, with consumer groups of any name.
	ChainRead: {
		{KafkaTopic, schemas.TopicBlocks, KafkaRead},
		{KafkaGroup, "*", KafkaRead},
	},
	// Producers write transactions.
	TxSubmit: {{KafkaTopic, schemas.TopicTransactions, KafkaWrite}},
	// Validators consume transactions, dead-letter what they reject and
	// publish blocks; they read the topics' record limits (and the
	// brokers' while a topic is missing) to size blocks and dead letters.
	ChainWrite: {
		{KafkaTopic, schemas.TopicTransactions, KafkaRead},
		{KafkaTopic, schemas.TopicDeadLetters, KafkaWrite},
		{KafkaTopic, schemas.TopicBlocks, KafkaWrite},
		{KafkaTopic, schemas.TopicTransactions, KafkaDescribeConfigs},
		{KafkaTopic, schemas.TopicDeadLetters, KafkaDescribeConfigs},
		{KafkaTopic, schemas.TopicBlocks, KafkaDescribeConfigs},
		{KafkaCluster, "kafka-cluster", KafkaDescribeConfigs},
	},
}

// KafkaSuperuser reports whether role may do everything on the Kafka port.
func KafkaSuperuser(role auth.Role) bool { return Allowed(role, TopicsManage) }

// KafkaGrantsOf lists what role may do on the Kafka port, superusers aside.
func KafkaGrantsOf(role auth.Role) []KafkaGrant {
	var out []KafkaGrant
	for _, a := range Actions(role) {
		out = append(out, KafkaGrants[a]...)
	}
	return out
}
