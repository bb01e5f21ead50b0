import Plan

/// The rebuild formula each tester format states (CSV comment, HDF5 attribute), written once.
enum WeightFormula {
    static func text(_ h: PlanHeader) -> String {
        if h.hasReferences {
            return "weight = weight_per_uS * sum over the weight's devices of (target_uS - G_ref), "
                + "G_ref = mean target_uS of the role=ref devices with the same tile and row (its word line's reference devices)"
        }
        if h.isOffsetMode { return "weight = weight_per_uS * sum over the weight's devices of (target_uS - zero_uS)" }
        return "weight = weight_per_uS * sum over the weight's devices of significance * (+target_uS if role=pos, -target_uS if role=neg)"
    }
}
