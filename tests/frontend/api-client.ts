// Centralized API client for microservices
class ApiClient {
  private baseURL: string
  private token: string | null = null

  constructor() {
    this.baseURL = process.env.NEXT_PUBLIC_API_URL || 'http://localhost:3000/api/v1'
  }

  setToken(token: string) {
    this.token = token
    if (typeof window !== 'undefined') {
      localStorage.setItem('auth_token', token)
    }
  }

  getToken(): string | null {
    if (this.token) return this.token
    if (typeof window !== 'undefined') {
      return localStorage.getItem('auth_token')
    }
    return null
  }

  private async request<T>(endpoint: string, options: RequestInit = {}): Promise<T> {
    const token = this.getToken()
    
    const config: RequestInit = {
      headers: {
        'Content-Type': 'application/json',
        ...(token && { Authorization: `Bearer ${token}` }),
        ...options.headers,
      },
      ...options,
    }

    try {
      const response = await fetch(`${this.baseURL}${endpoint}`, config)
      
      if (!response.ok) {
        const error = await response.json()
        throw new Error(error.error || `HTTP ${response.status}`)
      }

      return response.json()
    } catch (error) {
      console.error(`API Error [${endpoint}]:`, error)
      throw error
    }
  }

  async get<T>(endpoint: string): Promise<T> {
    return this.request<T>(endpoint, { method: 'GET' })
  }

  async post<T>(endpoint: string, data?: any): Promise<T> {
    return this.request<T>(endpoint, {
      method: 'POST',
      body: data ? JSON.stringify(data) : undefined,
    })
  }

  async put<T>(endpoint: string, data?: any): Promise<T> {
    return this.request<T>(endpoint, {
      method: 'PUT',
      body: data ? JSON.stringify(data) : undefined,
    })
  }

  async delete<T>(endpoint: string): Promise<T> {
    return this.request<T>(endpoint, { method: 'DELETE' })
  }
}

export const apiClient = new ApiClient()

// Service-specific clients
export const authAPI = {
  adminLogin: (password: string) => 
    apiClient.post('/auth/admin/login', { password }),
  
  organizationLogin: (accountId: string, adminEmail: string, adminPassword: string) =>
    apiClient.post('/auth/organization/login', { accountId, adminEmail, adminPassword }),
  
  workspaceLogin: (organizationId: string, email: string, password: string) =>
    apiClient.post('/auth/workspace/login', { organizationId, email, password }),
  
  verifyToken: (token: string) =>
    apiClient.post('/auth/verify-token', { token }),
  
  logout: () =>
    apiClient.post('/auth/logout')
}

export const organizationAPI = {
  getAll: () => 
    apiClient.get('/organizations'),
  
  getById: (id: string) =>
    apiClient.get(`/organizations/${id}`),
  
  create: (data: any) =>
    apiClient.post('/organizations', data),
  
  update: (id: string, data: any) =>
    apiClient.put(`/organizations/${id}`, data),
  
  delete: (id: string) =>
    apiClient.delete(`/organizations/${id}`)
}

export const userAPI = {
  getWorkspaceUsers: () =>
    apiClient.get('/users/workspace-users'),
  
  getTeamMembers: () =>
    apiClient.get('/users/team-members'),
  
  getTeamUsers: () =>
    apiClient.get('/users/team-users'),
  
  ensureUser: (data: any) =>
    apiClient.post('/users/workspace/ensure-user', data)
}

export const voiceAPI = {
  processVoiceCommand: (message: string, currentPath: string) =>
    apiClient.post('/voice/agent', { message, currentPath }),
  
  speechToText: (audioData: any) =>
    apiClient.post('/voice/speech-to-text', { audioData }),
  
  textToSpeech: (text: string) =>
    apiClient.post('/voice/text-to-speech', { text })
}

export const cmsAPI = {
  getContent: (section?: string) =>
    apiClient.get(section ? `/cms/content?section=${section}` : '/cms/content'),
  
  updateContent: (section: string, data: any) =>
    apiClient.put(`/cms/content?section=${section}`, data),
  
  getWebsiteContent: () =>
    apiClient.get('/cms/website-content'),
  
  uploadImage: (formData: FormData) =>
    fetch(`${process.env.NEXT_PUBLIC_API_URL}/cms/admin/upload-image`, {
      method: 'POST',
      body: formData,
      headers: {
        Authorization: `Bearer ${apiClient.getToken()}`
      }
    })
}

export const communicationAPI = {
  sendContact: (data: any) =>
    apiClient.post('/communication/contact', data),
  
  sendContactForm: (data: any) =>
    apiClient.post('/communication/send-contact-form', data),
  
  sendMeetingRequest: (data: any) =>
    apiClient.post('/communication/send-meeting-request', data),
  
  sendPricingInquiry: (data: any) =>
    apiClient.post('/communication/send-pricing-inquiry', data)
}

export const analyticsAPI = {
  getWorkspaceAnalytics: () =>
    apiClient.get('/analytics/workspace'),
  
  getChatbotAnalytics: () =>
    apiClient.get('/analytics/workspace/chatbot')
}
