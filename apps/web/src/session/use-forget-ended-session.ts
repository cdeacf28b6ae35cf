import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";

/**
 * A session can end elsewhere (signed out from another device, or by an admin): once the page
 * finds itself signed out, nothing the user saw stays in memory for whoever uses it next.
 */
export function useForgetEndedSession(userId: string | null): void {
  const queryClient = useQueryClient();
  const signedInAs = useRef(userId);
  useEffect(() => {
    if (signedInAs.current !== null && userId === null) queryClient.clear();
    signedInAs.current = userId;
  }, [userId, queryClient]);
}
