import { Button, Center, Paper, PasswordInput, Stack, TextInput, Title, Text } from "@mantine/core";
import { useState } from "react";
import type { FormEvent } from "react";
import { useMutation } from "urql";
import { ErrorAlert } from "../api/ErrorAlert";
import { LoginDocument } from "../gql/graphql";
import { useAuth } from "./AuthContext";

export function LoginPage() {
  const { signIn } = useAuth();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [result, login] = useMutation(LoginDocument);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const r = await login({ username, password });
    if (r.data) signIn({ token: r.data.login.token, user: r.data.login.user });
  };

  return (
    <Center mih="100vh" p="md">
      <Paper withBorder shadow="sm" p="xl" radius="md" w={380} component="form" onSubmit={submit}>
        <Stack>
          <div>
            <Title order={2}>OpenCDI</Title>
            <Text c="dimmed" size="sm">
              Sign in to your desktops
            </Text>
          </div>
          <ErrorAlert error={result.error} title="Sign-in failed" />
          <TextInput
            label="User name"
            autoComplete="username"
            required
            autoFocus
            value={username}
            onChange={(e) => setUsername(e.currentTarget.value)}
          />
          <PasswordInput
            label="Password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
          />
          <Button type="submit" loading={result.fetching}>
            Sign in
          </Button>
        </Stack>
      </Paper>
    </Center>
  );
}
