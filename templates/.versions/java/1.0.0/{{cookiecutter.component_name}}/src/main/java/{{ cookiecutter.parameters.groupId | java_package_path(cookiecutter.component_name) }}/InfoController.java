package {{ cookiecutter.parameters.groupId | java_package(cookiecutter.component_name) }};

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** Answers {@code GET /api/info} with the service's name and version. */
@RestController
public class InfoController {

    static final String NAME = {{ cookiecutter.component_name | java_str }};
    static final String VERSION = "0.1.0";

    /** What {@code GET /api/info} returns. */
    public record Info(String name, String version) {}

    @GetMapping("/api/info")
    public Info info() {
        return new Info(NAME, VERSION);
    }
}
