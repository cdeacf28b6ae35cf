import { QueryClientProvider } from "@tanstack/react-query";
import { useState } from "react";
import { BrowserRouter, Navigate, Route, Routes } from "react-router";
import { createQueryClient } from "./api/query-client";
import { createApiClient, TRPCProvider } from "./api/trpc";
import { AccountPage } from "./account/account-page";
import { AdminPage } from "./admin/admin-page";
import { ConfirmEmailChangePage } from "./account/confirm-email-change-page";
import { AcceptInvitationPage } from "./auth/accept-invitation-page";
import { ForgotPasswordPage } from "./auth/forgot-password-page";
import { ProviderCallbackPage } from "./auth/provider-callback-page";
import { WebhookDeliveriesPage } from "./webhooks/webhook-deliveries-page";
import { WebhooksPage } from "./webhooks/webhooks-page";
import { SignInPage } from "./auth/sign-in-page";
import { SignUpPage } from "./auth/sign-up-page";
import { ResetPasswordPage } from "./auth/reset-password-page";
import { VerifyEmailPage } from "./auth/verify-email-page";
import { AppLayout } from "./layout/app-layout";
import { OrderDetailPage } from "./orders/order-detail-page";
import { OrdersPage } from "./orders/orders-page";
import { ProductDetailPage } from "./products/product-detail-page";
import { ProductsPage } from "./products/products-page";
import { RequireSession } from "./session/require-session";

export function App() {
  const [queryClient] = useState(createQueryClient);
  const [trpcClient] = useState(() => createApiClient());
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        <BrowserRouter>
          <Routes>
            <Route element={<AppLayout />}>
              <Route index element={<Navigate to="/products" replace />} />
              <Route path="sign-in" element={<SignInPage />} />
              <Route path="sign-in/callback" element={<ProviderCallbackPage />} />
              <Route path="sign-up" element={<SignUpPage />} />
              <Route path="accept-invitation" element={<AcceptInvitationPage />} />
              <Route path="forgot-password" element={<ForgotPasswordPage />} />
              <Route path="reset-password" element={<ResetPasswordPage />} />
              <Route path="verify-email" element={<VerifyEmailPage />} />
              <Route path="confirm-email-change" element={<ConfirmEmailChangePage />} />
              <Route path="products" element={<ProductsPage />} />
              <Route path="products/:productId" element={<ProductDetailPage />} />
              <Route
                path="orders"
                element={
                  <RequireSession>
                    <OrdersPage />
                  </RequireSession>
                }
              />
              <Route
                path="orders/:orderId"
                element={
                  <RequireSession>
                    <OrderDetailPage />
                  </RequireSession>
                }
              />
              <Route
                path="account"
                element={
                  <RequireSession>
                    <AccountPage />
                  </RequireSession>
                }
              />
              <Route
                path="admin"
                element={
                  <RequireSession permission="user:read:any">
                    <AdminPage />
                  </RequireSession>
                }
              />
              <Route
                path="admin/webhooks"
                element={
                  <RequireSession permission="webhook:manage">
                    <WebhooksPage />
                  </RequireSession>
                }
              />
              <Route
                path="admin/webhooks/:endpointId"
                element={
                  <RequireSession permission="webhook:manage">
                    <WebhookDeliveriesPage />
                  </RequireSession>
                }
              />
              <Route path="*" element={<p role="alert">No such page.</p>} />
            </Route>
          </Routes>
        </BrowserRouter>
      </TRPCProvider>
    </QueryClientProvider>
  );
}
