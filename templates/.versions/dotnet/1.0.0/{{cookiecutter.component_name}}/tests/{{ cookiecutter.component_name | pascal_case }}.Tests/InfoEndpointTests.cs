using Xunit;

namespace {{ cookiecutter.component_name | pascal_case }}.Tests;

public class InfoEndpointTests
{
    [Fact]
    public void InfoNamesTheServiceAndItsVersion()
    {
        var info = InfoEndpoint.Get();

        Assert.Equal({{ cookiecutter.component_name | csharp_str }}, info.Name);
        Assert.Equal("0.1.0", info.Version);
    }
}
