namespace {{ cookiecutter.component_name | pascal_case }};

/// <summary>Answers <c>GET /api/info</c> with the service's name and version.</summary>
public static class InfoEndpoint
{
    public const string Name = {{ cookiecutter.component_name | csharp_str }};
    public const string Version = "0.1.0";

    public static ServiceInfo Get() => new(Name, Version);
}

/// <summary>What <c>GET /api/info</c> returns.</summary>
public sealed record ServiceInfo(string Name, string Version);
