using {{ cookiecutter.component_name | pascal_case }};

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddHealthChecks();

var app = builder.Build();
app.MapGet("/api/info", InfoEndpoint.Get);
app.MapHealthChecks("/health");
app.Run();

/// <summary>The entry point, visible to integration tests.</summary>
public partial class Program
{
}
