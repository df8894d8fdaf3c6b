//! The names table: every field of every view a check reads at a phase,
//! one typed enum per view with the name the model spells it (the serde
//! key of the timeline or ledger type it is read from). Parsing resolves a
//! written name to one of these; the evaluator reads the run by matching on
//! them; the reference page lists them. A test keeps each table equal to
//! its model type's serde names (`eval/read/tests.rs`).

/// A view's field enum: its members and their model names.
pub trait Field: Copy + Eq + std::fmt::Debug + 'static {
    /// Every member, in table order.
    const ALL: &'static [Self];
    /// The model's name (`rss_bytes`).
    fn name(self) -> &'static str;

    /// `rss` or `rss_bytes` to the field spelt `rss_bytes`, if any.
    fn pick(written: &str) -> Option<Self> {
        let long = format!("{written}_bytes");
        let find = |n: &str| Self::ALL.iter().copied().find(|f| f.name() == n);
        find(written).or_else(|| find(&long))
    }

    /// Every model name, in table order.
    fn names() -> Vec<&'static str> {
        Self::ALL.iter().map(|f| f.name()).collect()
    }
}

/// One field enum with its model names.
macro_rules! field_table {
    ($(#[$doc:meta])* $ty:ident { $($(#[$vdoc:meta])* $member:ident = $name:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $ty {
            $($(#[$vdoc])* $member,)+
        }

        impl Field for $ty {
            const ALL: &'static [$ty] = &[$($ty::$member,)+];
            fn name(self) -> &'static str {
                match self {
                    $($ty::$member => $name,)+
                }
            }
        }
    };
}
pub(super) use field_table;

field_table!(
    /// `os.`: the kernel's view at a phase (`timeline::OsView`).
    OsField {
        RssBytes = "rss_bytes",
        VmSizeBytes = "vm_size_bytes",
        HwmBytes = "hwm_bytes",
        RssAnonBytes = "rss_anon_bytes",
        RssFileBytes = "rss_file_bytes",
        /// From `smaps_rollup`, read only when something asks.
        LazyFreeBytes = "lazy_free_bytes",
        /// From `smaps_rollup`, likewise.
        AnonHugePagesBytes = "anon_huge_pages_bytes",
        Threads = "threads",
    }
);

impl OsField {
    /// Whether the field is read from `smaps_rollup` rather than `status`.
    pub fn from_rollup(self) -> bool {
        matches!(self, OsField::LazyFreeBytes | OsField::AnonHugePagesBytes)
    }
}

field_table!(
    /// `go.`: runtime.MemStats at a phase (`timeline::GoView`).
    GoField {
        HeapAllocBytes = "heap_alloc_bytes",
        HeapSysBytes = "heap_sys_bytes",
        HeapIdleBytes = "heap_idle_bytes",
        HeapInuseBytes = "heap_inuse_bytes",
        HeapReleasedBytes = "heap_released_bytes",
        HeapObjects = "heap_objects",
        TotalAllocBytes = "total_alloc_bytes",
        SysBytes = "sys_bytes",
        Mallocs = "mallocs",
        Frees = "frees",
        StackInuseBytes = "stack_inuse_bytes",
        StackSysBytes = "stack_sys_bytes",
        MspanInuseBytes = "mspan_inuse_bytes",
        MspanSysBytes = "mspan_sys_bytes",
        McacheInuseBytes = "mcache_inuse_bytes",
        McacheSysBytes = "mcache_sys_bytes",
        BuckHashSysBytes = "buck_hash_sys_bytes",
        GcSysBytes = "gc_sys_bytes",
        OtherSysBytes = "other_sys_bytes",
        NextGcBytes = "next_gc_bytes",
        NumGc = "num_gc",
        NumForcedGc = "num_forced_gc",
        PauseTotalNs = "pause_total_ns",
        Goroutines = "goroutines",
    }
);

field_table!(
    /// `samples.`: the fast-tier series (`timeline::Sample`, its time left out).
    SampleField {
        /// Each sample's window peak (the highest RSS since the previous sample).
        PeakBytes = "peak_bytes",
        RssBytes = "rss_bytes",
        VmSizeBytes = "vm_size_bytes",
    }
);

field_table!(
    /// `maps.CLASS.`: the mapping inventory summed over one class
    /// (`timeline::ClassSummary`, and `named`).
    MapsField {
        Count = "count",
        /// How many of the class's mappings the Go runtime named
        /// (`[anon: Go: ...]`, Go 1.25+ on kernels with CONFIG_ANON_VMA_NAME).
        Named = "named",
        RssBytes = "rss_bytes",
        SizeBytes = "size_bytes",
    }
);

field_table!(
    /// `profile.`: the heap profile written at a phase (`timeline::HeapProfile`).
    ProfileField {
        AllocObjects = "alloc_objects",
        AllocSpaceBytes = "alloc_space_bytes",
        InuseObjects = "inuse_objects",
        InuseSpaceBytes = "inuse_space_bytes",
        SampleRateBytes = "sample_rate_bytes",
    }
);

field_table!(
    /// `ledger.`: the phase's ledger as a whole (`analyze::ledger::Ledger`).
    LedgerField {
        AnonMappedBytes = "anon_mapped_bytes",
        ExplainedBytes = "explained_bytes",
        /// The ledger's target: 5% of RSS, at least 1 MiB.
        LimitBytes = "limit_bytes",
        MappedBeyondSysBytes = "mapped_beyond_sys_bytes",
        RssBytes = "rss_bytes",
        RuntimeSysBytes = "runtime_sys_bytes",
        UnexplainedBytes = "unexplained_bytes",
    }
);

field_table!(
    /// `ledger.CATEGORY.`: one category's row (`analyze::ledger::LedgerRow`).
    LedgerRowField {
        ExplainedBytes = "explained_bytes",
        LazyFreeBytes = "lazy_free_bytes",
        Mappings = "mappings",
        ResidentBytes = "resident_bytes",
        RuntimeBytes = "runtime_bytes",
        SizeBytes = "size_bytes",
        UnexplainedBytes = "unexplained_bytes",
    }
);

field_table!(
    /// `exit.`: how the run ended, one count per run.
    ExitField {
        /// The status, or 128 + the signal as a shell shows a kill.
        Code = "code",
        /// 1 when the run's memory cgroup counted an OOM kill and the fixture died of SIGKILL.
        OomKilled = "oom_killed",
        /// 0 when it exited.
        Signal = "signal",
    }
);

field_table!(
    /// `cpu.`: runtime/metrics `/cpu/classes/CLASS:cpu-seconds` with `.`
    /// for `/` (Go 1.20+).
    CpuClass {
        GcMarkAssist = "gc.mark.assist",
        GcMarkDedicated = "gc.mark.dedicated",
        GcMarkIdle = "gc.mark.idle",
        GcPause = "gc.pause",
        GcTotal = "gc.total",
        Idle = "idle",
        ScavengeAssist = "scavenge.assist",
        ScavengeBackground = "scavenge.background",
        ScavengeTotal = "scavenge.total",
        Total = "total",
        User = "user",
    }
);

impl CpuClass {
    /// The runtime/metrics name (`/cpu/classes/gc/total:cpu-seconds`).
    pub fn metric(self) -> String {
        format!("/cpu/classes/{}:cpu-seconds", self.name().replace('.', "/"))
    }
}
