namespace Miniguest.Core;

/// <summary>What a re-sync did to a guest's domain.</summary>
public enum ResyncOutcome
{
    /// <summary>The guest has no domain.</summary>
    NoDomain,

    /// <summary>The domain was already defined with the guest's current generation.</summary>
    Unchanged,

    /// <summary>The domain was defined again, with the guest's current generation.</summary>
    Updated,
}
