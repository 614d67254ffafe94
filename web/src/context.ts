import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { WebConfig } from "./config.ts";

/** The loaded /config.json; screens render only after it is there. */
export const ConfigContext = createContext<WebConfig | undefined>(undefined);

export function useConfig(): WebConfig {
  const config = useContext(ConfigContext);
  if (!config) throw new Error("useConfig outside the signed-in app");
  return config;
}
