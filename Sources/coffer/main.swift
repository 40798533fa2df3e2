import CofferCommands

#if os(Linux)
/// glibc's `mallopt(3)`; the Glibc module does not export it.
@_silgen_name("mallopt")
func mallopt(_ parameter: Int32, _ value: Int32) -> Int32

// Fetch threads allocate message buffers that the writer thread frees; with glibc's default of one
// malloc arena per thread, each arena keeps what another thread freed, and peak RSS grows with the
// number of connections. Two arenas (M_ARENA_MAX is -8 in malloc.h): measured 6–9 MB less peak RSS
// in a 4-connection Enron backfill.
_ = mallopt(-8, 2)
#endif

CofferCommand.runMain()
