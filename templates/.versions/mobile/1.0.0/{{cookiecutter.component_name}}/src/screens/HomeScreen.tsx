import { StyleSheet, Text, View } from 'react-native';

export const APP_NAME = {{ cookiecutter.component_name | json_str }};
export const APP_DESCRIPTION = {{ cookiecutter.description | json_str }};

export function HomeScreen() {
  return (
    <View style={styles.container}>
      <Text accessibilityRole="header" style={styles.title} testID="title">
        {APP_NAME}
      </Text>
      <Text testID="description">{APP_DESCRIPTION}</Text>
    </View>
  );
}

const styles = StyleSheet.create({
  container: {
    flex: 1,
    alignItems: 'center',
    justifyContent: 'center',
    padding: 24,
  },
  title: {
    fontSize: 24,
    fontWeight: '600',
    marginBottom: 12,
  },
});
