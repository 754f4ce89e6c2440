package {{ cookiecutter.parameters.groupId | java_package(cookiecutter.component_name) }};

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class InfoControllerTest {

    @Test
    void infoNamesTheServiceAndItsVersion() {
        InfoController.Info info = new InfoController().info();

        assertEquals({{ cookiecutter.component_name | java_str }}, info.name());
        assertEquals("0.1.0", info.version());
    }
}
