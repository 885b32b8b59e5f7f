// LivePokes: what a poke is made of and where it travels (README, "Live pokes").
//
// Owns: the workers' hand-off to the master (PokeOutbox, datagrams on descriptor 5), the client of
// nginx's nchan publisher (PokePublisher: poke, delete a channel, count subscribers), and the channels'
// expiry arithmetic both ends must agree on (ExpiryChannels). The relay that joins them is the master's
// (Supervision's PokeRelay).
// May import: Settings (the publisher's address) and SystemCalls.
