//! The suite's pages the assistant can take someone to, and who may open them.

use shared::http::Role;

pub struct Page {
    pub path: &'static str,
    pub title: &'static str,
    /// Words that name the page in a request ("open the **stats**").
    pub names: &'static [&'static str],
    pub roles: &'static [Role],
}

const EVERYONE: &[Role] = &[Role::SUPER_ADMIN, Role::ADMIN, Role::USER, Role::EMPLOYEE];
const MEMBERS: &[Role] = &[Role::ADMIN, Role::USER, Role::EMPLOYEE];
const ORG_ADMINS: &[Role] = &[Role::ADMIN];
const SUPER: &[Role] = &[Role::SUPER_ADMIN];

pub const PAGES: &[Page] = &[
    Page {
        path: "/dashboard",
        title: "the dashboard",
        names: &["dashboard", "home", "overview", "main page", "start page"],
        roles: EVERYONE,
    },
    Page {
        path: "/analytics",
        title: "analytics",
        names: &[
            "analytics",
            "stats",
            "statistics",
            "reports",
            "metrics",
            "insights",
            "numbers",
        ],
        roles: &[Role::SUPER_ADMIN, Role::ADMIN, Role::USER, Role::EMPLOYEE],
    },
    Page {
        path: "/analytics/chatbot",
        title: "chatbot analytics",
        names: &[
            "chatbot analytics",
            "chatbot stats",
            "bot analytics",
            "conversation analytics",
        ],
        roles: MEMBERS,
    },
    Page {
        path: "/team",
        title: "your team",
        names: &[
            "team",
            "team members",
            "colleagues",
            "coworkers",
            "people",
            "staff",
        ],
        roles: MEMBERS,
    },
    Page {
        path: "/users",
        title: "user management",
        names: &["user management", "manage users", "users", "accounts"],
        roles: ORG_ADMINS,
    },
    Page {
        path: "/settings",
        title: "settings",
        names: &["settings", "preferences", "configuration", "options"],
        roles: EVERYONE,
    },
    Page {
        path: "/profile",
        title: "your profile",
        names: &["profile", "my profile", "my account", "account"],
        roles: MEMBERS,
    },
    Page {
        path: "/organizations",
        title: "organizations",
        names: &[
            "organizations",
            "organisations",
            "orgs",
            "companies",
            "tenants",
            "customers",
        ],
        roles: SUPER,
    },
    Page {
        path: "/content",
        title: "website content",
        names: &["content", "cms", "website content", "website", "pages"],
        roles: SUPER,
    },
    Page {
        path: "/leads",
        title: "leads",
        names: &[
            "leads",
            "sales leads",
            "inquiries",
            "enquiries",
            "contact requests",
        ],
        roles: SUPER,
    },
];

impl Page {
    pub fn allows(&self, role: &Role) -> bool {
        self.roles.contains(role)
    }
}

pub fn by_path(path: &str) -> Option<&'static Page> {
    PAGES.iter().find(|p| p.path == path)
}

/// Pages `role` may open, for help texts and the LLM prompt.
pub fn open_to(role: &Role) -> impl Iterator<Item = &'static Page> + '_ {
    PAGES.iter().filter(move |p| p.allows(role))
}
