// Package stream delivers committed blocks to everyone who watches the chain
// live: in-process subscribers and WebSocket clients through the Hub, and the
// aurigraph.blocks.v1 topic through the Publisher.
//
// Both tail a BlockSource (the validator's block store) rather than being
// pushed to, so neither can slow consensus down: a slow WebSocket client is
// disconnected, and a slow broker only delays publishing.
package stream
